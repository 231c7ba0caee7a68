import Foundation
@testable import PosternCore
import XCTest

/// Globs are matched directly (not as ICU regular expressions, which backtrack): the same answers as
/// Teleport's GlobToRegexp gives, for values and patterns built to catch the corner cases.
final class ValuePatternGlobTests: XCTestCase {
    /// The regular expression Teleport makes of a glob (what ValuePattern compiled before).
    static func teleportRegex(_ glob: String) throws -> NSRegularExpression {
        let body = glob.split(separator: "*", omittingEmptySubsequences: false)
            .map { NSRegularExpression.escapedPattern(for: String($0)) }
            .joined(separator: "[^\\n]*")
        return try NSRegularExpression(pattern: "\\A" + body + "\\z", options: ValuePattern.regexOptions)
    }

    func testAgreesWithTeleportsRegexOnEveryShortCase() throws {
        let alphabet: [String] = ["a", "b", "\n", "é", "*", "."]
        var patterns: [String] = []
        var values: [String] = [""]
        // Every string of up to four symbols as a pattern (with a star in it), up to four as a value.
        var level = [""]
        for _ in 0..<4 {
            level = level.flatMap { p in alphabet.map { p + $0 } }
            patterns += level.filter { $0.contains("*") && $0 != "*" }
            values += level.filter { !$0.contains("*") }
        }
        XCTAssertGreaterThan(patterns.count * values.count, 100_000)
        for p in patterns {
            let pattern = try ValuePattern(p)
            let regex = try Self.teleportRegex(p)
            for v in values {
                let expected = regex.firstMatch(in: v, range: NSRange(v.startIndex..<v.endIndex, in: v)) != nil
                if pattern.matches(v) != expected { return XCTFail("\(p.debugDescription) against \(v.debugDescription): expected \(expected)") }
            }
        }
    }

    /// The config fuzzer's find: a row of stars against a value that almost matches held ICU for
    /// seconds. Checked by the answer and the work bound (parts × value), not by a clock.
    func testARowOfStarsIsNoSlowerThanOne() throws {
        let pattern = try ValuePattern("password_file" + String(repeating: "*", count: 40) + "ader")
        XCTAssertFalse(pattern.matches("password_file" + String(repeating: "x", count: 64) + "aded"))
        XCTAssertTrue(pattern.matches("password_file" + String(repeating: "x", count: 64) + "ader"))
        XCTAssertFalse(pattern.matches("password_file\nader"))
        XCTAssertTrue(try ValuePattern("a*b*c").matches("a\u{E9}b\u{1F600}c"))
    }
}
