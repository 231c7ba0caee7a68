import PosternCore
import XCTest

final class IdentityTests: XCTestCase {
    let config = PosternConfig(users: [PosternUser(name: "alice", roles: ["access"]),
                                       PosternUser(name: "ops", roles: ["access"])],
                               path: "/etc/postern/postern.yaml")

    func resolve(login: String, euid: UInt32, owner: UInt32, as requested: String?) -> Result<String, IdentityError> {
        Result { () throws(IdentityError) in
            try Identity.resolve(IdentityRequest(login: login, effectiveUID: euid, configOwnerUID: owner,
                                                 requestedAs: requested), in: config).name
        }
    }

    func testLoginPicksTheUser() {
        XCTAssertEqual(try resolve(login: "alice", euid: 1000, owner: 0, as: nil).get(), "alice")
    }

    func testAsIsAllowedForRootAndTheConfigOwnerOnly() {
        XCTAssertEqual(try resolve(login: "root", euid: 0, owner: 0, as: "alice").get(), "alice")
        XCTAssertEqual(try resolve(login: "ops", euid: 1001, owner: 1001, as: "alice").get(), "alice")
        XCTAssertEqual(resolve(login: "alice", euid: 1000, owner: 0, as: "ops"),
                       .failure(.impersonationRefused(login: "alice")))
        XCTAssertEqual(resolve(login: "alice", euid: 1000, owner: 0, as: "alice").map { $0 }, .success("alice"),
                       "--as naming yourself is no impersonation")
    }

    func testUnknownLoginGetsAClearMessage() {
        let r = resolve(login: "mallory", euid: 1002, owner: 0, as: nil)
        XCTAssertEqual(r, .failure(.unknownUser(name: "mallory", configPath: "/etc/postern/postern.yaml")))
        if case .failure(let e) = r {
            XCTAssertEqual(e.description, "user \"mallory\" is not in users: of /etc/postern/postern.yaml, so no databases are available; ask an administrator to add you")
        }
    }

    func testConfigLocationPrecedence() {
        XCTAssertEqual(ConfigLocation.resolve(flag: "/a.yaml", environment: ["POSTERN_CONFIG": "/b.yaml"]), "/a.yaml")
        XCTAssertEqual(ConfigLocation.resolve(flag: nil, environment: ["POSTERN_CONFIG": "/b.yaml"]), "/b.yaml")
        XCTAssertEqual(ConfigLocation.resolve(flag: nil, environment: [:]), "/etc/postern/postern.yaml")
    }
}
