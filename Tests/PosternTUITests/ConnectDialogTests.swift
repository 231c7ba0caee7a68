import PosternCore
import XCTest
@testable import PosternTUI

final class ConnectDialogTests: XCTestCase {
    func testEnterOpensTheDialogWithTheUsersAndNamesRolesAllow() {
        let recorder = Recorder()
        var s = ConsoleState(inventory: Fixtures.inventory(), width: 80, height: 24, services: SessionFixtures.services(recorder))
        s = Fixtures.press(s, [.char("/")] + Fixtures.type("orders") + [.enter, .enter])
        guard case .pane(let id) = s.focus, let dialog = s.panes.first(where: { $0.id == id })?.pane as? ConnectDialog else {
            return XCTFail("Enter opens the connect dialog")
        }
        XCTAssertEqual(dialog.users.allowed, ["reader", "writer"])
        XCTAssertEqual(dialog.dbUser, "reader")
        XCTAssertEqual(dialog.names?.allowed, ["app"])
        XCTAssertTrue(recorder.all.isEmpty, "two users allowed: nothing connects before a choice")
        s = Fixtures.press(s, [.down])
        XCTAssertEqual((s.panes.last?.pane as? ConnectDialog)?.dbUser, "writer")
        s = Fixtures.press(s, Fixtures.type("x"))
        XCTAssertEqual(s.status?.text, "only the listed users are allowed: choose with ↑/↓", "no free text without `*`")
        Snapshot.assert(ConsoleRenderer(theme: .monochrome).render(s), named: "connect-choose-user-80x24")
        s = Fixtures.press(s, [.enter])
        XCTAssertEqual((s.panes.last?.pane as? ConnectDialog)?.field, .name)
        s = Fixtures.press(s, [.enter])
        XCTAssertEqual(recorder.all, ["launch orders-prod writer@app dialog=\(id)"])
        s = ConsoleReducer.reduce(s, .paneUpdate(id, ConnectProgress(.note("credentials: reading the password file"))))
        s = ConsoleReducer.reduce(s, .paneUpdate(id, ConnectProgress(.failed("sign-in failed: FATAL 28P01 password authentication failed"))))
        let screen = ConsoleRenderer(theme: .monochrome).render(s)
        XCTAssertTrue(screen.text.contains("· credentials: reading the password file"))
        XCTAssertTrue(screen.text.contains("✗ sign-in failed: FATAL 28P01 password authentication failed"))
        Snapshot.assert(screen, named: "connect-failed-80x24")
        s = Fixtures.press(s, [.escape, .escape])
        XCTAssertEqual(s.focus, .list, "Esc backs out a field, then closes the dialog")
        XCTAssertTrue(s.panes.isEmpty)
    }

    func testASingleChoiceConnectsAtOnce() {
        let recorder = Recorder()
        let user = PosternUser(name: "carol", roles: ["access"], traits: ["db_users": ["reader"], "db_names": ["app"]])
        let checker = try? AccessChecker(user: user, roles: [Role.presetAccess])
        guard let checker else { return XCTFail("roles compile") }
        let inventory = InventorySnapshot(databases: Fixtures.databases, checker: checker, clusterName: "t")
        var s = ConsoleState(inventory: inventory, width: 80, height: 24, services: SessionFixtures.services(recorder))
        s = Fixtures.press(s, [.char("/")] + Fixtures.type("orders") + [.enter, .enter])
        XCTAssertEqual(recorder.all.count, 1)
        XCTAssertTrue(recorder.all.first?.hasPrefix("launch orders-prod reader@app") == true)
        XCTAssertTrue((s.panes.last?.pane as? ConnectDialog)?.isConnecting == true)
    }

    func testWildcardAllowsTypingAndADeniedNameShowsTheExplainReason() {
        let recorder = Recorder()
        let inventory = InventorySnapshot(databases: Fixtures.databases, checker: SessionFixtures.wildcardChecker(), clusterName: "t")
        var s = ConsoleState(inventory: inventory, width: 80, height: 24, services: SessionFixtures.services(recorder))
        s = Fixtures.press(s, [.char("/")] + Fixtures.type("orders") + [.enter, .enter])
        var dialog = s.panes.last?.pane as? ConnectDialog
        XCTAssertEqual(dialog?.users.anyAllowed, true)
        XCTAssertEqual(dialog?.users.denied, ["postgres"])
        XCTAssertEqual(dialog?.dbUser, "app_rw")
        s = Fixtures.press(s, [.backspace, .backspace, .backspace, .backspace, .backspace, .backspace] + Fixtures.type("postgres"))
        dialog = s.panes.last?.pane as? ConnectDialog
        XCTAssertEqual(dialog?.dbUser, "postgres")
        XCTAssertEqual(dialog?.decision.allowed, false)
        s = Fixtures.press(s, [.enter, .enter])
        dialog = s.panes.last?.pane as? ConnectDialog
        XCTAssertTrue(recorder.all.isEmpty, "a denied choice never connects")
        XCTAssertEqual(dialog?.failure, "not connecting: your roles deny this choice (why is shown above)")
        XCTAssertTrue(ConsoleRenderer(theme: .monochrome).render(s).text.contains("role guardrails denies db_user \"postgres\""))
        Snapshot.assert(ConsoleRenderer(theme: .monochrome).render(s), named: "connect-denied-80x24")
    }

    func testAllowedNamesFollowTheRoles() {
        let checker = Fixtures.checker()
        let db = Fixtures.databases[0]
        XCTAssertEqual(checker.allowedNames(db, dbUser: "reader"), AllowedUsers(allowed: ["app"], denied: []))
        XCTAssertEqual(SessionFixtures.wildcardChecker().allowedNames(db, dbUser: "app_rw").allowed, ["*"])
        XCTAssertEqual(SessionFixtures.wildcardChecker().allowedNames(db, dbUser: "postgres").allowed, [])
    }

    func testWithoutAProxyEnterSaysSo() {
        let s = Fixtures.press(Fixtures.state(), [.enter])
        XCTAssertTrue(s.panes.isEmpty)
        XCTAssertEqual(s.status?.isError, true)
        XCTAssertTrue(s.status?.text.contains("no proxy") == true)
    }
}
