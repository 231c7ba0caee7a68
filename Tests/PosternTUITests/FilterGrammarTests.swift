import XCTest
@testable import PosternTUI

final class FilterGrammarTests: XCTestCase {
    /// Input → the names it keeps (sorted by name), or the error shown inline.
    let table: [(String, Result<[String], FilterError>)] = [
        ("", .success(["analytics-dev", "cart-elasticache", Fixtures.escapeName, "orders-prod", "reporting-aurora",
                       "search-us", "sessions-cache", "売上-db"])),
        ("ORDERS", .success(["orders-prod"])),
        ("  sandbox ", .success(["analytics-dev"])),
        ("team=web", .success(["cart-elasticache", "sessions-cache"])),
        ("redis", .success(["cart-elasticache", "sessions-cache"])),
        ("env=prod", .success(["orders-prod", "reporting-aurora", "search-us", "sessions-cache"])),
        ("env = prod", .success(["orders-prod", "reporting-aurora", "search-us", "sessions-cache"])),
        ("env=prod,team!=search", .success(["orders-prod", "reporting-aurora", "sessions-cache"])),
        ("env=prod,team!=search,", .success(["orders-prod", "reporting-aurora", "sessions-cache"])),
        ("region=~^us-", .success(["search-us"])),
        ("region=~^eu-,env!=prod", .success(["cart-elasticache"])),
        ("region!~^eu-", .success(["analytics-dev", Fixtures.escapeName, "orders-prod", "search-us", "sessions-cache", "売上-db"])),
        ("env=PROD", .success([])),
        ("env=prod,aurora", .success(["reporting-aurora"])),
        ("!prod", .success(["analytics-dev", "cart-elasticache", Fixtures.escapeName, "売上-db"])),
        ("!env=prod", .success(["analytics-dev", "cart-elasticache", Fixtures.escapeName, "売上-db"])),
        ("^orders", .success(["orders-prod"])),
        ("^ORDERS|^search", .success(["orders-prod", "search-us"])),
        ("^env=dev$", .success(["analytics-dev", "売上-db"])),
        ("^team=(web|data)$", .success(["analytics-dev", "cart-elasticache", "reporting-aurora", "sessions-cache"])),
        ("!^.*-prod$", .success(["analytics-dev", "cart-elasticache", Fixtures.escapeName, "reporting-aurora", "search-us",
                                 "sessions-cache", "売上-db"])),
        ("売上", .success(["売上-db"])),
        ("🚀", .success(["売上-db"])),
        ("検索", .success(["search-us"])),
        // What is drawn is what is searched: the escape shows as \e, and `\e` finds it.
        ("\\e[31m", .success([Fixtures.escapeName])),
        ("team=red\\eteam", .success([Fixtures.escapeName])),
        ("=prod", .failure(FilterError("label key missing in \"=prod\""))),
        ("env=", .failure(FilterError("label value missing in \"env=\""))),
        ("env!=", .failure(FilterError("label value missing in \"env!=\""))),
        ("my env=prod", .failure(FilterError("label key \"my env\" has a space"))),
        ("region=~(", .failure(FilterError("invalid regular expression \"(\""))),
        ("^[a-", .failure(FilterError("invalid regular expression \"^[a-\""))),
        ("!", .failure(FilterError("type what to leave out after !"))),
        ("! ", .failure(FilterError("type what to leave out after !"))),
    ]

    func testGrammarTable() {
        let inventory = Fixtures.inventory()
        for (input, expected) in table {
            let result = Result { () throws(FilterError) -> [String] in
                let q = try FilterQuery.parse(input)
                var names: [String] = []
                FilterEngine.evaluate(q, in: inventory).forEach { names.append(inventory.rows[$0].database.name) }
                return names.sorted()
            }
            switch (result, expected) {
            case (.success(let got), .success(let want)): XCTAssertEqual(got, want.sorted(), "/\(input)")
            case (.failure(let got), .failure(let want)): XCTAssertEqual(got, want, "/\(input)")
            default: XCTFail("/\(input): got \(result), want \(expected)")
            }
        }
    }

    func testParsedShapes() throws {
        XCTAssertEqual(try FilterQuery.parse(""), .all)
        XCTAssertEqual(try FilterQuery.parse("A,b"), FilterQuery(body: .terms([.text("a"), .text("b")])))
        let q = try FilterQuery.parse("team!=search,region=~^us-,x!~y")
        guard case .terms(let terms) = q.body else { return XCTFail("terms") }
        XCTAssertEqual(terms.count, 3)
        if case .label(let k, let op, let v, _) = terms[0] { XCTAssertEqual([k, op.rawValue, v], ["team", "!=", "search"]) }
        if case .label(let k, let op, let v, let re) = terms[1] {
            XCTAssertEqual([k, op.rawValue, v], ["region", "=~", "^us-"])
            XCTAssertNotNil(re)
        }
        if case .label(_, let op, _, _) = terms[2] { XCTAssertEqual(op, .notMatches) }
        XCTAssertTrue(try FilterQuery.parse("!x").inverted)
    }

    /// Narrowing a query reuses the last result; the answer must equal a full evaluation.
    func testIncrementalEqualsFull() throws {
        let inventory = Fixtures.inventory()
        let sequences = [["o", "or", "ord", "orde", "orders"], ["env=prod", "env=prod,web", "env=prod,web,sess"],
                         ["e", "e-", "!e-"], ["a", "a,b", "ab"], ["s", "se", "s"]]
        for seq in sequences {
            var cache: FilterCache?
            for input in seq {
                let q = try FilterQuery.parse(input)
                let incremental = FilterEngine.evaluate(q, in: inventory, previous: cache)
                XCTAssertEqual(incremental, FilterEngine.evaluate(q, in: inventory), input)
                cache = FilterCache(query: q, matches: incremental)
            }
        }
    }

    func testNarrowingRule() throws {
        let old = try FilterQuery.parse("ord")
        guard case .terms(let t1) = try FilterQuery.parse("orders").body,
              case .terms(let t2) = try FilterQuery.parse("xyz").body,
              case .terms(let t3) = try FilterQuery.parse("env=prod,order").body else { return XCTFail("terms") }
        XCTAssertTrue(FilterEngine.narrows(t1, old))
        XCTAssertFalse(FilterEngine.narrows(t2, old))
        XCTAssertTrue(FilterEngine.narrows(t3, old))
        XCTAssertFalse(FilterEngine.narrows(t1, try FilterQuery.parse("!ord")))
    }
}
