import PosternCore
import XCTest

final class ListingTests: XCTestCase {
    let dbs = [
        Database(name: "orders-prod", description: "Orders", protocol: .postgres, uri: "127.0.0.1:5432",
                 staticLabels: ["env": "prod", "team": "payments"], auth: .password(.environment("X"))),
        Database(name: "analytics", description: "Analytics sandbox", protocol: .postgres, uri: "127.0.0.1:5432",
                 staticLabels: ["env": "dev", "team": "data"], auth: .password(.environment("X"))),
        Database(name: "cache", description: "Sessions", protocol: .redis, uri: "127.0.0.1:6379",
                 staticLabels: ["env": "prod", "team": "web"], auth: .managed),
    ]

    func checker(_ roles: [Role], traits: Traits = [:]) throws -> AccessChecker {
        try AccessChecker(user: PosternUser(name: "u", roles: roles.map(\.name), traits: traits), roles: roles)
    }

    func testQueryParsingAndMatching() throws {
        let q = try DatabaseQuery(labels: "env=prod, team=web", search: nil)
        XCTAssertEqual(q.labels, ["env": "prod", "team": "web"])
        XCTAssertEqual(dbs.filter(q.matches).map(\.name), ["cache"])
        let s = try DatabaseQuery(labels: nil, search: "SANDBOX,data")
        XCTAssertEqual(dbs.filter(s.matches).map(\.name), ["analytics"])
        let byLabel = try DatabaseQuery(labels: nil, search: "env=prod")
        XCTAssertEqual(dbs.filter(byLabel.matches).map(\.name), ["orders-prod", "cache"])
        XCTAssertThrowsError(try DatabaseQuery(labels: "env", search: nil)) { e in
            XCTAssertEqual("\(e)", "--labels wants key=value pairs separated by commas, got \"env\"")
        }
    }

    func testListingTextAndRows() throws {
        let prod = Role(name: "prod", allow: RoleConditions(dbLabels: LabelSelector(["env": ["prod"]]), dbUsers: ["*"]),
                        deny: RoleConditions(dbUsers: ["postgres"]))
        let rows = DatabaseListing.list(dbs, checker: try checker([prod]), query: DatabaseQuery())
        XCTAssertEqual(rows.map(\.name), ["cache", "orders-prod"])
        XCTAssertEqual(rows[0].allowedUsers, ["*"])
        XCTAssertEqual(rows[0].deniedUsers, ["postgres"])
        XCTAssertEqual(DatabaseListing.table(rows, verbose: false), """
        Name        Description Allowed Users           Labels
        ----------- ----------- ----------------------- ----------------------
        cache       Sessions    [*], except: [postgres] env=prod,team=web
        orders-prod Orders      [*], except: [postgres] env=prod,team=payments

        """)
        XCTAssertEqual(DatabaseListing.table(rows, verbose: true).split(separator: "\n")[0],
                       "Name        Description Protocol Type        URI            Allowed Users           Labels")
    }
}
