import XCTest
@testable import PosternTUI

final class KeymapTests: XCTestCase {
    /// Within every chain the console looks keys up in, no key is bound twice in one scope, and
    /// the browser's own keys never shadow a motion or a global binding by accident.
    func testNoKeyIsBoundTwiceInAScope() {
        var seen: [KeyScope: Set<Key>] = [:]
        for b in Keymap.standard.bindings {
            for k in b.keys {
                XCTAssertTrue(seen[b.scope, default: []].insert(k).inserted, "\(k) bound twice in \(b.scope)")
            }
        }
        let browserKeys = seen[.browser] ?? [], motionKeys = seen[.motion] ?? [], globalKeys = seen[.global] ?? []
        XCTAssertTrue(browserKeys.isDisjoint(with: motionKeys))
        XCTAssertTrue(browserKeys.isDisjoint(with: globalKeys))
        XCTAssertTrue(motionKeys.isDisjoint(with: globalKeys))
    }

    func testLookupFollowsTheChain() {
        let k = Keymap.standard
        XCTAssertEqual(k.command(for: .char("j"), in: [.browser, .motion, .global]), .down)
        XCTAssertEqual(k.command(for: .escape, in: [.filter, .global]), .filterCancel)
        XCTAssertEqual(k.command(for: .escape, in: [.browser, .motion, .global]), .back)
        XCTAssertNil(k.command(for: .char("j"), in: [.filter, .global]), "j is text in the filter line")
        XCTAssertEqual(k.command(for: .ctrl("c"), in: [.filter, .global]), .interrupt)
        XCTAssertNil(k.command(for: .char("q"), in: [.confirm]))
    }

    /// Help is generated from the keymap: every binding's keys and text appear, in scope sections.
    func testHelpListsEveryBinding() {
        let text = HelpModel.lines(.standard).map(\.plain).joined(separator: "\n")
        for b in Keymap.standard.bindings {
            let keys = b.keys.map(\.description).joined(separator: " ")
            XCTAssertTrue(text.contains(keys), "help lacks \(keys)")
            XCTAssertTrue(text.contains(b.help), "help lacks \(b.help)")
        }
        for scope in Keymap.standard.scopes { XCTAssertTrue(text.contains(scope.title)) }
        XCTAssertTrue(text.contains("region=~^us-"))
    }

    func testAddedBindingsShowInHelpAndDispatch() {
        var k = Keymap.standard
        k.add(KeyBinding([.function(5)], Command("run"), .pane("SQL session"), "run the statement"))
        XCTAssertEqual(k.command(for: .function(5), in: [.pane("SQL session"), .global]), Command("run"))
        let text = HelpModel.lines(k).map(\.plain).joined(separator: "\n")
        XCTAssertTrue(text.contains("SQL session"))
        XCTAssertTrue(text.contains("F5"))
    }

    func testKeyNames() {
        XCTAssertEqual(Key.ctrl("c").description, "Ctrl-C")
        XCTAssertEqual(Key.pageDown.description, "PgDn")
        XCTAssertEqual(Key.char(" ").description, "Space")
    }
}
