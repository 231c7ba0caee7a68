/// A named set of styles, one per role. Colours are degraded to the terminal when drawn.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [StyleRole: CellStyle]

    public init(name: String, styles: [StyleRole: CellStyle]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: StyleRole) -> CellStyle {
        styles[role] ?? Theme.monochrome.styles[role] ?? .plain
    }

    /// Attributes only: what NO_COLOR, a terminal without colours, or a missing theme file get.
    /// Every role stays distinguishable (reverse for the selection, bold for titles, dim for muted text).
    public static let monochrome = Theme(name: "monochrome", styles: [
        .normal: CellStyle(),
        .title: CellStyle(attributes: [.reverse, .bold]),
        .header: CellStyle(attributes: [.bold, .underline]),
        .selected: CellStyle(attributes: [.reverse]),
        .selectedInactive: CellStyle(attributes: [.underline]),
        .muted: CellStyle(attributes: [.dim]),
        .labels: CellStyle(),
        .border: CellStyle(attributes: [.dim]),
        .paneTitle: CellStyle(attributes: [.bold]),
        .key: CellStyle(attributes: [.bold]),
        .allowed: CellStyle(attributes: [.bold]),
        .denied: CellStyle(),
        .status: CellStyle(attributes: [.reverse]),
        .error: CellStyle(attributes: [.bold, .reverse]),
        .prompt: CellStyle(attributes: [.bold]),
        .count: CellStyle(attributes: [.bold, .reverse]),
    ])
}
