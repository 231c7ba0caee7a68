/// What a piece of the screen is, not how it looks: themes map each role to a style.
public enum StyleRole: String, CaseIterable, Sendable {
    case normal
    case title
    case header
    case selected
    case selectedInactive = "selected_inactive"
    case muted
    case labels
    case border
    case paneTitle = "pane_title"
    case key
    case allowed
    case denied
    case status
    case error
    case prompt
    case count
}
