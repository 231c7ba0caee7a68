import PosternCore
import XCTest

/// A template expanded with traits, and the values Teleport's `ApplyValueTraits` would give.
private struct ExpandCase {
    let name: String
    let template: String
    var traits: Traits = [:]
    let expected: [String]
}

private let expandCases: [ExpandCase] = [
    // Variables.
    ExpandCase(name: "external", template: "{{external.team}}", traits: ["team": ["db", "web"]],
               expected: ["db", "web"]),
    ExpandCase(name: "internal", template: "{{internal.db_users}}", traits: ["db_users": ["alice"]],
               expected: ["alice"]),
    ExpandCase(name: "external reads internal trait names", template: "{{external.db_users}}",
               traits: ["db_users": ["alice"]], expected: ["alice"]),
    ExpandCase(name: "spaces inside braces", template: "{{  external.team }}", traits: ["team": ["db"]],
               expected: ["db"]),
    ExpandCase(name: "bracket syntax", template: "{{external[\"db-login\"]}}", traits: ["db-login": ["x"]],
               expected: ["x"]),
    ExpandCase(name: "bracket syntax with spaces in the name", template: "{{external[\"a b\"]}}",
               traits: ["a b": ["x"]], expected: ["x"]),
    ExpandCase(name: "bracket syntax internal", template: "{{internal[\"db_names\"]}}",
               traits: ["db_names": ["app"]], expected: ["app"]),
    ExpandCase(name: "prefix and suffix", template: "pre-{{external.team}}-suf", traits: ["team": ["db", "web"]],
               expected: ["pre-db-suf", "pre-web-suf"]),
    ExpandCase(name: "outer white space trimmed, inner kept", template: "  a {{external.team}} b  ",
               traits: ["team": ["db"]], expected: ["a db b"]),
    ExpandCase(name: "missing trait drops", template: "pre-{{external.nope}}", expected: []),
    ExpandCase(name: "empty trait drops", template: "{{external.team}}", traits: ["team": []], expected: []),
    ExpandCase(name: "empty values are skipped before prefixing", template: "p-{{external.team}}",
               traits: ["team": ["", "x"]], expected: ["p-x"]),

    // email.local
    ExpandCase(name: "email.local", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice@example.com", "bob.smith@example.org"]], expected: ["alice", "bob.smith"]),
    ExpandCase(name: "email.local with display name", template: "{{email.local(external.email)}}",
               traits: ["email": ["Alice Smith <alice.smith@example.com>"]], expected: ["alice.smith"]),
    ExpandCase(name: "email.local angle address only", template: "{{email.local(external.email)}}",
               traits: ["email": ["<bob@example.com>"]], expected: ["bob"]),
    ExpandCase(name: "email.local with comment", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice@example.com (Alice)"]], expected: ["alice"]),
    ExpandCase(name: "email.local plus and dash", template: "{{email.local(external.email)}}",
               traits: ["email": ["a+b-c@example.com"]], expected: ["a+b-c"]),
    ExpandCase(name: "email.local quoted local part", template: "{{email.local(external.email)}}",
               traits: ["email": ["\"al ice\"@example.com"]], expected: ["al ice"]),
    ExpandCase(name: "email.local no domain", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice"]], expected: []),
    ExpandCase(name: "email.local empty", template: "{{email.local(external.email)}}",
               traits: ["email": [""]], expected: []),
    ExpandCase(name: "email.local empty local part", template: "{{email.local(external.email)}}",
               traits: ["email": ["@example.com"]], expected: []),
    ExpandCase(name: "email.local empty domain", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice@"]], expected: []),
    ExpandCase(name: "email.local two @", template: "{{email.local(external.email)}}",
               traits: ["email": ["a@b@example.com"]], expected: []),
    ExpandCase(name: "email.local space in local part", template: "{{email.local(external.email)}}",
               traits: ["email": ["al ice@example.com"]], expected: []),
    ExpandCase(name: "email.local leading dot", template: "{{email.local(external.email)}}",
               traits: ["email": [".alice@example.com"]], expected: []),
    ExpandCase(name: "email.local double dot", template: "{{email.local(external.email)}}",
               traits: ["email": ["al..ice@example.com"]], expected: []),
    ExpandCase(name: "email.local trailing garbage", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice@example.com extra"]], expected: []),
    ExpandCase(name: "email.local one invalid address fails them all", template: "{{email.local(external.email)}}",
               traits: ["email": ["alice@example.com", "nope"]], expected: []),
    ExpandCase(name: "email.local missing trait", template: "{{email.local(external.email)}}", expected: []),

    // regexp.replace
    ExpandCase(name: "regexp.replace $1", template: "{{regexp.replace(external.g, \"^db-(.*)$\", \"$1\")}}",
               traits: ["g": ["db-reader", "db-writer"]], expected: ["reader", "writer"]),
    ExpandCase(name: "regexp.replace $1 then text", template: "{{regexp.replace(external.g, \"^db-(.*)$\", \"$1.ro\")}}",
               traits: ["g": ["db-app"]], expected: ["app.ro"]),
    ExpandCase(name: "regexp.replace $1x is the (unknown) group 1x, as in Go",
               template: "{{regexp.replace(external.g, \"^db-(.*)$\", \"$1x\")}}",
               traits: ["g": ["db-app"]], expected: []),
    ExpandCase(name: "regexp.replace non-matching values drop",
               template: "{{regexp.replace(external.g, \"^db-(.*)$\", \"$1\")}}",
               traits: ["g": ["db-reader", "web", "xdb-no"]], expected: ["reader"]),
    ExpandCase(name: "regexp.replace replaces every match, unanchored",
               template: "{{regexp.replace(external.g, \"-\", \"_\")}}", traits: ["g": ["a-b-c"]],
               expected: ["a_b_c"]),
    ExpandCase(name: "regexp.replace $$ is a dollar", template: "{{regexp.replace(external.g, \"^(.*)$\", \"$$$1\")}}",
               traits: ["g": ["x"]], expected: ["$x"]),
    ExpandCase(name: "regexp.replace malformed $ kept", template: "{{regexp.replace(external.g, \"^(.*)$\", \"$-$1\")}}",
               traits: ["g": ["x"]], expected: ["$-x"]),
    ExpandCase(name: "regexp.replace backslash is literal in the replacement",
               template: "{{regexp.replace(external.g, \"^(.*)$\", `a\\$1`)}}", traits: ["g": ["x"]],
               expected: ["a\\x"]),
    ExpandCase(name: "regexp.replace named group",
               template: "{{regexp.replace(external.g, \"^(?<team>[a-z]+)-.*$\", \"$team\")}}",
               traits: ["g": ["db-1"]], expected: ["db"]),
    ExpandCase(name: "regexp.replace empty matches as Go", template: "{{regexp.replace(external.g, \"a*\", \"X\")}}",
               traits: ["g": ["baaac"]], expected: ["XbXcX"]),
    ExpandCase(name: "regexp.replace to empty drops", template: "{{regexp.replace(external.g, \"^.*$\", \"\")}}",
               traits: ["g": ["x"]], expected: []),
    ExpandCase(name: "regexp.replace Go escape \\\\d",
               template: "{{regexp.replace(external.g, \"^(\\\\d+)-.*$\", \"u$1\")}}", traits: ["g": ["42-x", "y"]],
               expected: ["u42"]),
    ExpandCase(name: "regexp.replace raw string", template: "{{regexp.replace(external.g, `^(\\d+)$`, `n$1`)}}",
               traits: ["g": ["7"]], expected: ["n7"]),
    ExpandCase(name: "regexp.replace \\u escape", template: "{{regexp.replace(external.g, \"^a$\", \"\\u0041\")}}",
               traits: ["g": ["a"]], expected: ["A"]),
    ExpandCase(name: "regexp.replace with prefix", template: "svc-{{regexp.replace(external.g, \"^db-\", \"\")}}",
               traits: ["g": ["db-app"]], expected: ["svc-app"]),
    ExpandCase(name: "regexp.replace of email.local",
               template: "{{regexp.replace(email.local(external.email), \"[.]\", \"_\")}}",
               traits: ["email": ["alice.smith@example.com"]], expected: ["alice_smith"]),
    ExpandCase(name: "email.local of regexp.replace",
               template: "{{email.local(regexp.replace(external.id, \"^(.*)$\", \"$1@example.com\"))}}",
               traits: ["id": ["alice"]], expected: ["alice"]),
]

private let invalidTemplates: [String] = [
    "{{external.team",
    "external.team}}",
    "{{external.a}}{{external.b}}",
    "{ {{external.a}}",
    "{{external.a}} }",
    "{{{external.a}}}",
    "{{}}",
    "{{external}}",
    "{{external.}}",
    "{{external.a.b}}",
    "{{external.foo-bar}}",
    "{{external.1a}}",
    "{{external[team]}}",
    "{{external[\"team\"}}",
    "{{foo.bar}}",
    "{{literal.x}}",
    "{{internal.email}}",
    "{{internal.host_user_uid}}",
    "{{email.local(external.a}}",
    "{{email.remote(external.a)}}",
    "{{regexp.match(\"x\")}}",
    "{{regexp.replace(external.a, \"(\", \"x\")}}",
    "{{regexp.replace(external.a, \"x\")}}",
    "{{regexp.replace(external.a, \"^\\d$\", \"x\")}}",
    "{{regexp.replace(external.a, \"x\", \"y)}}",
    "{{regexp.replace(external.a, \"\\xff\", \"y\")}}",
    // Teleport's template syntax allows no brace inside {{…}}: no `${1}`, no `a{2}`.
    "{{regexp.replace(external.a, \"^(.*)$\", \"${1}\")}}",
    "{{regexp.replace(external.a, \"^a{2}$\", \"x\")}}",
]

final class TraitTemplateTests: XCTestCase {
    func testExpansionTable() throws {
        XCTAssertEqual(Set(expandCases.map(\.name)).count, expandCases.count, "case names must be unique")
        for c in expandCases {
            let template = try XCTUnwrap(try TraitTemplate.parse(c.template), c.name)
            XCTAssertEqual(template.expand(c.traits), c.expected, c.name)
            XCTAssertEqual(TraitTemplate.expandAll([c.template], c.traits), c.expected, c.name)
        }
    }

    func testLiteralsAreNotTemplates() throws {
        for literal in ["prod", "*", "{x}", "a{b}c", "^prod-(eu|us)$", "", "$1"] {
            XCTAssertNil(try TraitTemplate.parse(literal), literal)
        }
    }

    func testInvalidTemplatesAreRejected() {
        for t in invalidTemplates {
            XCTAssertThrowsError(try TraitTemplate.parse(t), t)
        }
    }

    func testRejectionReasons() {
        func reason(_ t: String) -> String {
            do {
                _ = try TraitTemplate.parse(t)
                return ""
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(reason("{{internal.email}}"),
                       "invalid trait template \"{{internal.email}}\": unsupported internal trait \"email\"")
        XCTAssertEqual(reason("{{external.a"), "invalid trait template \"{{external.a\": missing \"}}\"")
        XCTAssertTrue(reason("{{foo.bar}}").contains("unsupported namespace"))
        XCTAssertTrue(reason("{{regexp.replace(external.a, \"^\\d$\", \"x\")}}").contains("unknown escape"))
    }

    func testSupportedInternalTraits() throws {
        for name in ["logins", "windows_logins", "kubernetes_groups", "kubernetes_users", "db_names", "db_users",
                     "db_roles", "aws_role_arns", "azure_identities", "gcp_service_accounts", "jwt", "github_orgs"] {
            XCTAssertEqual(try TraitTemplate.parse("{{internal.\(name)}}")?.expand([name: ["v"]]), ["v"], name)
        }
    }

    func testExpandAllKeepsLiteralsDropsMissingAndDeduplicates() {
        let traits: Traits = ["db_users": ["alice", "bob"], "extra": ["alice"]]
        XCTAssertEqual(TraitTemplate.expandAll(["root", "{{internal.db_users}}", "{{external.extra}}",
                                                "{{external.nope}}", "{{broken", "root"], traits),
                       ["root", "alice", "bob"])
        XCTAssertEqual(TraitTemplate.expandAll([], traits), [])
    }
}
