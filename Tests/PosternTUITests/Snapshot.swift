import Foundation
import XCTest
@testable import PosternTUI

/// Text snapshots of rendered screens in Snapshots/NAME.txt. A missing snapshot (or
/// POSTERN_RECORD_SNAPSHOTS=1) is written and the test fails, so a new one is looked at once.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func assert(_ screen: VirtualScreen, named name: String, file: StaticString = #filePath, line: UInt = #line) {
        let url = directory.appendingPathComponent(name + ".txt")
        // A frame makes trailing spaces and the screen's size visible in the file.
        let border = "+" + String(repeating: "-", count: screen.width) + "+"
        let body = (0..<screen.height).map { "|" + screen.text(row: $0) + "|" }
        let text = ([border] + body + [border]).joined(separator: "\n") + "\n"
        let record = ProcessInfo.processInfo.environment["POSTERN_RECORD_SNAPSHOTS"] == "1"
        if !record, let expected = try? String(contentsOf: url, encoding: .utf8) {
            if expected != text {
                XCTFail("snapshot \(name) differs:\n--- expected\n\(expected)--- got\n\(text)", file: file, line: line)
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            XCTFail("cannot record \(url.path): \(error)", file: file, line: line)
        }
        XCTFail("recorded snapshot \(name); check it and run again", file: file, line: line)
    }
}
