/// Where the browser's parts go at a given size: shared by the reducer (page sizes, scrolling)
/// and the renderer. Title on the first row, status or filter line on the last; at 120 columns
/// and more the details sit right of the list, below it on smaller screens, hidden when tiny.
struct BrowserLayout: Equatable {
    let title: Rect
    let list: Rect
    let details: Rect?
    let status: Rect

    init(width: Int, height: Int) {
        title = Rect(x: 0, y: 0, width: width, height: min(1, height))
        status = Rect(x: 0, y: max(0, height - 1), width: width, height: height >= 2 ? 1 : 0)
        let mainHeight = max(0, height - 2)
        if width >= 120 && mainHeight >= 6 {
            let dw = width * 2 / 5
            list = Rect(x: 0, y: 1, width: width - dw - 1, height: mainHeight)
            details = Rect(x: width - dw, y: 1, width: dw, height: mainHeight)
        } else if mainHeight >= 14 {
            let dh = min(16, mainHeight / 2)
            list = Rect(x: 0, y: 1, width: width, height: mainHeight - dh)
            details = Rect(x: 0, y: 1 + mainHeight - dh, width: width, height: dh)
        } else {
            list = Rect(x: 0, y: 1, width: width, height: mainHeight)
            details = nil
        }
    }

    /// Rows of databases on screen (the list's first row is the column header).
    var listRows: Int { max(1, list.height - 1) }
    /// Lines of details on screen (its first row is the pane title).
    var detailRows: Int { max(1, (details?.height ?? 1) - 1) }
    /// The main area, where a plug-in pane draws.
    var main: Rect { Rect(x: 0, y: 1, width: title.width, height: max(0, status.y - 1)) }
}
