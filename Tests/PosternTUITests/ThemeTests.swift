import Foundation
import PosternCore
import XCTest
@testable import PosternTUI

final class ThemeTests: XCTestCase {
    static let themesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Themes").path

    func testShippedThemesDecodeAndCoverEveryRole() throws {
        let locator = ThemeLocator(searchDirectories: [Self.themesDir])
        for name in ["default-dark", "light", "solarized-16", "high-contrast"] {
            let (theme, note) = try locator.load(name)
            XCTAssertNil(note)
            XCTAssertEqual(theme.name, name)
            XCTAssertEqual(Set(theme.styles.keys), Set(StyleRole.allCases), "\(name) styles every role")
            XCTAssertNotEqual(theme[.selected], theme[.normal], "\(name): the selection stands out")
        }
    }

    func testSolarized16UsesOnlyTheSixteenColours() throws {
        let (theme, _) = try ThemeLocator(searchDirectories: [Self.themesDir]).load("solarized-16")
        for style in theme.styles.values {
            for c in [style.fg, style.bg] {
                if case .rgb = c { XCTFail("solarized-16 uses ANSI colours only") }
                if case .indexed = c { XCTFail("solarized-16 uses ANSI colours only") }
            }
        }
    }

    func testColourSyntax() {
        XCTAssertEqual(ThemeDecoder.color("default"), .default)
        XCTAssertEqual(ThemeDecoder.color("red"), .ansi(1))
        XCTAssertEqual(ThemeDecoder.color("Bright-Blue"), .ansi(12))
        XCTAssertEqual(ThemeDecoder.color("208"), .indexed(208))
        XCTAssertEqual(ThemeDecoder.color("#5fafd7"), .rgb(0x5F, 0xAF, 0xD7))
        XCTAssertNil(ThemeDecoder.color("#5fafd"))
        XCTAssertNil(ThemeDecoder.color("256"))
        XCTAssertNil(ThemeDecoder.color("purple"))
    }

    func testErrorsNameFileLineAndKey() {
        let cases: [(String, String)] = [
            ("name: x\nstyles:\n  titel: {fg: red}\n", "t.yaml:3: unknown key \"titel\""),
            ("name: x\nstyles:\n  title: {fg: purple}\n", "t.yaml:3: unknown colour \"purple\""),
            ("name: x\nstyles:\n  title: {attrs: [blink]}\n", "t.yaml:3: unknown attribute \"blink\""),
            ("styles: {}\n", "t.yaml:1: name is required"),
            ("name: [\n", "t.yaml: malformed YAML"),
        ]
        for (yaml, prefix) in cases {
            do {
                _ = try ThemeDecoder.decode(yaml, file: "t.yaml")
                XCTFail("accepted \(yaml)")
            } catch {
                XCTAssertTrue(error.description.hasPrefix(prefix), "\(error.description) should start with \(prefix)")
            }
        }
    }

    func testMissingRolesFallBackToAttributes() throws {
        let t = try ThemeDecoder.decode("name: tiny\nstyles:\n  title: {fg: red}\n", file: "t.yaml")
        XCTAssertEqual(t[.title], CellStyle(fg: .ansi(1)))
        XCTAssertEqual(t[.selected], Theme.monochrome[.selected])
    }

    func testLocatorNamesPathsAndFallback() throws {
        let locator = ThemeLocator(searchDirectories: ["/nonexistent", Self.themesDir])
        XCTAssertEqual(try locator.load("light").theme.name, "light")
        XCTAssertEqual(try locator.load(Self.themesDir + "/high-contrast.yaml").theme.name, "high-contrast")
        XCTAssertThrowsError(try locator.load("no-such-theme"))
        let bare = ThemeLocator(searchDirectories: ["/nonexistent"])
        let (theme, note) = try bare.load(nil)
        XCTAssertEqual(theme, .monochrome)
        XCTAssertEqual(note, "theme default-dark not found; using attributes only")
        // The standard search finds the source tree's Themes/ above a build's executable.
        let standard = ThemeLocator.standard(configPath: nil, environment: [:],
                                             executablePath: Self.themesDir + "/../.build/debug/postern")
        XCTAssertNotNil(standard.path(for: "default-dark"))
        let env = ThemeLocator.standard(configPath: "/etc/x/postern.yaml", environment: ["POSTERN_THEMES_DIR": "/t"],
                                        executablePath: "/usr/bin/postern")
        XCTAssertEqual(Array(env.searchDirectories.prefix(4)),
                       ["/t", "/etc/x/themes", "/etc/postern/themes", "/usr/share/postern/themes"])
    }

    func testColourDegradation() {
        let orange = TermColor.rgb(0xFF, 0x87, 0x00)
        XCTAssertEqual(orange.degraded(to: .direct), orange)
        XCTAssertEqual(orange.degraded(to: .indexed256), .indexed(208))
        XCTAssertEqual(TermColor.rgb(0x5F, 0xAF, 0xD7).degraded(to: .indexed256), .indexed(74))
        XCTAssertEqual(TermColor.rgb(0x30, 0x30, 0x30).degraded(to: .indexed256), .indexed(236))
        XCTAssertEqual(TermColor.rgb(250, 10, 10).degraded(to: .ansi16), .ansi(9))
        XCTAssertEqual(TermColor.rgb(250, 10, 10).degraded(to: .ansi8), .ansi(1))
        XCTAssertEqual(TermColor.indexed(196).degraded(to: .ansi16), .ansi(9))
        XCTAssertEqual(TermColor.indexed(4).degraded(to: .ansi8), .ansi(4))
        XCTAssertEqual(TermColor.ansi(12).degraded(to: .ansi8), .ansi(4))
        XCTAssertEqual(TermColor.ansi(12).degraded(to: .indexed256), .ansi(12))
        XCTAssertEqual(orange.degraded(to: .none), .default)
        XCTAssertEqual(TermColor.default.degraded(to: .direct), .default)
        XCTAssertEqual(TermColor.default.cursesNumber, -1)
        XCTAssertEqual(orange.cursesNumber, 0xFF8700)
        XCTAssertEqual(ColorDepth(colors: 8, noColor: false), .ansi8)
        XCTAssertEqual(ColorDepth(colors: 16, noColor: false), .ansi16)
        XCTAssertEqual(ColorDepth(colors: 256, noColor: false), .indexed256)
        XCTAssertEqual(ColorDepth(colors: 0x1000000, noColor: false), .direct)
        XCTAssertEqual(ColorDepth(colors: 0, noColor: false), .none)
    }

    func testConfigConsoleTheme() throws {
        let base = "users: [{name: a, roles: [access]}]\n"
        let (config, _) = try ConfigDecoder.decode(base + "console: {theme: solarized-16}\n", file: "p.yaml", baseDir: "")
        XCTAssertEqual(config.console.theme, "solarized-16")
        let (plain, _) = try ConfigDecoder.decode(base, file: "p.yaml", baseDir: "")
        XCTAssertNil(plain.console.theme)
        XCTAssertThrowsError(try ConfigDecoder.decode(base + "console: {colour: x}\n", file: "p.yaml", baseDir: "")) {
            XCTAssertEqual(($0 as? ConfigError)?.description, "p.yaml:2: unknown key \"colour\" in console")
        }
        XCTAssertThrowsError(try ConfigDecoder.decode(base + "console: {theme: \"\"}\n", file: "p.yaml", baseDir: ""))
    }
}
