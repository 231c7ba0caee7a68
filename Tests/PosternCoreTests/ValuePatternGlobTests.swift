import Foundation
@testable import PosternCore
import XCTest

/// Globs are matched directly (not as ICU regular expressions, which backtrack): the same answers as
/// Teleport's GlobToRegexp gives, for values and patterns built to catch the corner cases.
final class ValuePatternGlobTests: XCTestCase {
    /// The regular expression Teleport makes of a glob (what ValuePattern compiled before).
    static func teleportRegex(_ glob: String) throws -> NSRegularExpression {
        // Split by scalar (Teleport works on bytes): a star a combining mark follows is a star.
        let body = glob.unicodeScalars.split(separator: "*", omittingEmptySubsequences: false)
            .map { NSRegularExpression.escapedPattern(for: String(String.UnicodeScalarView($0))) }
            .joined(separator: "[^\\n]*")
        return try NSRegularExpression(pattern: "\\A" + body + "\\z", options: ValuePattern.regexOptions)
    }

    func testAgreesWithTeleportsRegexOnEveryShortCase() throws {
        // A combining mark (after a star it is a part of its own, as Teleport, working on bytes, has it),
        // a character outside the BMP, a carriage return.
        let alphabet: [String] = ["a", "\n", "é", "*", ".", "\u{301}", "\u{1F600}", "\r"]
        var patterns: [String] = []
        var values: [String] = [""]
        // Every string of up to four symbols as a pattern (with a star in it), up to three as a value.
        var level = [""]
        for length in 1...4 {
            level = level.flatMap { p in alphabet.map { p + $0 } }
            patterns += level.filter { $0.unicodeScalars.contains("*") && $0 != "*" }
            if length <= 3 { values += level.filter { !$0.unicodeScalars.contains("*") } }
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

    /// The config fuzzer's find, a row of stars against a value that almost matches (ICU took 3 s
    /// per match): the answers a single star gives. Its time is not checked here (no timed tests);
    /// its input is in Tests/Corpus/config, which the config fuzzer runs with a 10 s limit each.
    func testARowOfStarsAnswersAsOneStar() throws {
        let pattern = try ValuePattern("password_file" + String(repeating: "*", count: 40) + "ader")
        XCTAssertFalse(pattern.matches("password_file" + String(repeating: "x", count: 64) + "aded"))
        XCTAssertTrue(pattern.matches("password_file" + String(repeating: "x", count: 64) + "ader"))
        XCTAssertFalse(pattern.matches("password_file\nader"))
        XCTAssertTrue(try ValuePattern("a*b*c").matches("a\u{E9}b\u{1F600}c"))
    }

    /// Names compare as bytes (as Teleport and the servers do): a decomposed é is another name.
    func testNamesCompareAsBytes() throws {
        XCTAssertFalse(try ValuePattern("jos\u{E9}").matches("jose\u{301}"))
        XCTAssertFalse(ValuePattern(literal: "jos\u{E9}").matches("jose\u{301}"))
        XCTAssertTrue(try ValuePattern("jos\u{E9}").matches("jos\u{E9}"))
        XCTAssertTrue(try ValuePattern("^\u{301}x$").matches("\u{301}x"), "a regular expression by its scalars")
        // Both forms listed (to deny both) stay two entries.
        XCTAssertEqual(TraitTemplate.expandAll(["jos\u{E9}", "jose\u{301}", "jos\u{E9}"], [:]).map { Array($0.utf8) },
                       [Array("jos\u{E9}".utf8), Array("jose\u{301}".utf8)])
    }
}
