import PosternCore
import XCTest
@testable import PosternTUI

/// The regex filter's literal fast paths must keep exactly the rows the regex engine keeps.
final class RegexFilterFastPathTests: XCTestCase {
    func testLiteralsAreReadConservatively() {
        func lit(_ p: String) -> (String?, Bool?, String?) {
            let l = RegexLiterals(p)
            return (l.exact.map { String(decoding: $0.text, as: UTF8.self) }, l.exact?.wholeField,
                    l.required.first.map { String(decoding: $0, as: UTF8.self) })
        }
        XCTAssertTrue(lit("^Search-Dev") == ("search-dev", false, "search-dev"))
        XCTAssertTrue(lit("^env=dev$") == ("env=dev", true, "env=dev"))
        XCTAssertTrue(lit("^") == ("", false, nil))
        XCTAssertTrue(lit("^a\\.b") == ("a.b", false, "a.b"))
        XCTAssertTrue(lit("^pay.*prod") == (nil, nil, "prod"))
        XCTAssertTrue(lit("^payments?x") == (nil, nil, "payment"))
        XCTAssertTrue(lit("^ab+cd") == (nil, nil, "ab"))
        XCTAssertTrue(lit("^abc{0,2}d") == (nil, nil, "ab"))
        XCTAssertTrue(lit("^(abc)?defg") == (nil, nil, "defg"))
        XCTAssertTrue(lit("^[xyz]+hello") == (nil, nil, "hello"))
        XCTAssertTrue(lit("^\\d+-prod") == (nil, nil, "-prod"))
        XCTAssertEqual(RegexLiterals("^pay.*prod$").required, [Array("prod".utf8), Array("pay".utf8)])
        XCTAssertTrue(lit("^a|^b") == (nil, nil, nil), "alternation is not analysed")
        XCTAssertTrue(lit("^(?x) a b") == (nil, nil, nil), "inline options are not analysed")
        XCTAssertTrue(lit("^売上") == (nil, nil, nil), "non-ASCII is left to the regex engine")
        // Found by fuzz-filter: `|` or `(?` followed by a combining mark is one Character in Swift,
        // but still alternation or an inline option to ICU.
        XCTAssertTrue(lit("^.|\u{307}l") == (nil, nil, nil), "alternation before a combining mark")
        XCTAssertTrue(lit("^(?\u{307}i)ab") == (nil, nil, nil), "an inline option before a combining mark")
    }

    func testFastPathsMatchTheRegexEngine() throws {
        var dbs = Fixtures.databases
        // Characters ICU folds onto ASCII letters, upper case, and a field that is exactly a literal.
        dbs.append(Database(name: "\u{212A}ube-prod", description: "Kelvin sign", protocol: .postgres, uri: "10.0.0.12:5432",
                            staticLabels: ["env": "prod"]))
        dbs.append(Database(name: "ſearch-long-s", description: "SEARCH-DEV upper", protocol: .postgres, uri: "10.0.0.13:5432",
                            staticLabels: ["env": "dev"]))
        let inventory = Fixtures.inventory(dbs)
        let patterns = ["^", "^s", "^search", "^SEARCH-DEV", "^kube", "^env=prod$", "^env=prod", "^prod", "^orders-prod$",
                        "^se.*us", "^.*-prod$", "^team=(web|data)$", "^[a-c]", "^\\w+-cache", "^sessions?-", "^aurora",
                        "^evil\\\\e", "^env=dev$", "^x+", "^.", "^env", "^Web sessions"]
        for source in patterns {
            let q = try FilterQuery.parse(source)
            guard case .regex(let p) = q.body else { return XCTFail(source) }
            var brute = RowSet(capacity: inventory.count)
            for (row, text) in inventory.texts.enumerated() where p.matches(text) { brute.insert(row) }
            var tooCostly = 0
            XCTAssertEqual(FilterEngine.regexRows(p, in: inventory, tooCostly: &tooCostly), brute, source)
            XCTAssertEqual(tooCostly, 0, source)
        }
    }
}

/// The byte-presence shortcut of the search index must agree with a plain substring search.
final class SearchIndexTests: XCTestCase {
    func testContainsAgreesWithAPlainSearchForEveryShortNeedle() {
        let inventory = Fixtures.inventory()
        let texts = inventory.texts.map { $0.lowercased() }
        let alphabet = Array("aeoprsdt-=1 é売\\".utf8)
        var needles: [[UInt8]] = alphabet.map { [$0] }
        for a in alphabet.prefix(8) { for b in alphabet.prefix(8) { needles.append([a, b]) } }
        needles += ["prod", "売上", "env=dev", "zz"].map { Array($0.utf8) }
        for needle in needles {
            var expected = RowSet(capacity: texts.count)
            for (row, text) in texts.enumerated() where text.utf8.firstRange(of: needle) != nil { expected.insert(row) }
            XCTAssertEqual(inventory.search.rows(containing: needle), expected, String(decoding: needle, as: UTF8.self))
            let all = RowSet(capacity: texts.count, full: true)
            XCTAssertEqual(inventory.search.rows(containing: needle, among: all), expected)
        }
    }
}
