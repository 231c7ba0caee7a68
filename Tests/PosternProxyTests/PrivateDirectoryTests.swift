import Foundation
import XCTest
@testable import PosternProxy

/// Socket directories: unpredictable names, 0700, and a symlink or a directory open to others refused.
final class PrivateDirectoryTests: XCTestCase {
    var base: String!

    override func setUpWithError() throws {
        base = "/tmp/postern-pd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
    }

    override func tearDownWithError() throws {
        if let base { try? FileManager.default.removeItem(atPath: base) }
    }

    func mode(_ path: String) throws -> Int {
        try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    func testEachDirectoryIsNewPrivateAndInTheRuntimeDir() throws {
        let env = ["XDG_RUNTIME_DIR": base!]
        let a = try PrivateDirectory.create(prefix: "postern-console-", environment: env)
        let b = try PrivateDirectory.create(prefix: "postern-console-", environment: env)
        XCTAssertNotEqual(a, b)
        for dir in [a, b] {
            XCTAssertTrue(dir.hasPrefix(base + "/postern-console-"), dir)
            XCTAssertEqual(dir.count, base.count + "/postern-console-XXXXXX".count, dir)
            XCTAssertEqual(try mode(dir), 0o700)
        }
    }

    func testAnUnfitRuntimeDirFallsBackToTmp() throws {
        let open = base + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        let link = base + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: base)
        let long = "/" + String(repeating: "d", count: PrivateDirectory.maxBaseBytes)
        for xdg in [open, link, long, "relative", base + "/missing", ""] {
            XCTAssertNil(PrivateDirectory.runtimeBase(["XDG_RUNTIME_DIR": xdg]), xdg)
        }
        XCTAssertNil(PrivateDirectory.runtimeBase([:]))
        let dir = try PrivateDirectory.create(prefix: "postern-test-", environment: ["XDG_RUNTIME_DIR": open])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertTrue(dir.hasPrefix("/tmp/postern-test-"), dir)
        XCTAssertEqual(try mode(dir), 0o700)
    }

    /// What another user could leave at a predictable name: a symlink to a directory of ours, or a
    /// directory others may enter. Neither is used.
    func testASymlinkOrAnOpenDirectoryIsRefused() throws {
        let target = base + "/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        let link = base + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertThrowsError(try PrivateDirectory.prepare(link)) {
            XCTAssertTrue("\($0)".contains("is not a directory (a symlink is never followed)"), "\($0)")
        }
        XCTAssertThrowsError(try PrivateDirectory.check(link))

        let open = base + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o711])
        XCTAssertThrowsError(try PrivateDirectory.prepare(open)) {
            XCTAssertTrue("\($0)".contains("must be 0700"), "\($0)")
        }

        // Another user's directory: one given away (root may), else / (root's).
        var theirs = "/"
        if geteuid() == 0 {
            theirs = base + "/theirs"
            try FileManager.default.createDirectory(atPath: theirs, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            XCTAssertEqual(chown(theirs, 65534, 65534), 0)
        }
        XCTAssertThrowsError(try PrivateDirectory.check(theirs)) {
            XCTAssertTrue("\($0)".contains("is not a directory owned by this user"), "\($0)")
        }

        let fresh = base + "/fresh"
        XCTAssertNoThrow(try PrivateDirectory.prepare(fresh))
        XCTAssertEqual(try mode(fresh), 0o700)
        XCTAssertNoThrow(try PrivateDirectory.prepare(fresh), "an existing private directory of ours is fine")
    }
}
