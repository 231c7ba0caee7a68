import Foundation
import PosternCore

/// The kept rows of a result written as CSV (RFC 4180; NULL as an empty field) or JSON (an array
/// of objects, NULL as null), by the path's extension. Values are written raw: the file is data.
public enum ResultExport {
    public enum Format: String, Sendable { case csv, json }

    public static func format(for path: String) -> Format {
        path.lowercased().hasSuffix(".json") ? .json : .csv
    }

    public static func render(columns: [String], rows: [[String?]], as format: Format) -> String {
        switch format {
        case .csv:
            let lines = [columns.map(csvField)] + rows.map { $0.map { $0.map(csvField) ?? "" } }
            return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        case .json:
            let objects = rows.map { r in
                "{" + zip(columns, r).map { JSONString.quoted($0) + ":" + ($1.map(JSONString.quoted) ?? "null") }
                    .joined(separator: ",") + "}"
            }
            return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
        }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writes the file 0600 (results may be sensitive); `~/` is the home directory.
    static func write(_ text: String, to path: String, home: String?) throws -> String {
        var target = path
        if target.hasPrefix("~/"), let home { target = home + target.dropFirst(1) }
        let url = URL(fileURLWithPath: target)
        var isDirectory: ObjCBool = false
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ExportError(description: "no directory \(directory)")
        }
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return url.path
    }
}

struct ExportError: Error, CustomStringConvertible {
    let description: String
}
