import PosternCore
import XCTest

/// One access check: a user with `roles` and `traits` asks for (`dbUser`, `dbName`) on a database
/// labelled `labels`. `rule`/`role` are the expected `AccessDecision.rule` / `.role` when given.
private struct RBACCase {
    let name: String
    let roles: [Role]
    var traits: Traits = [:]
    var labels: Labels = [:]
    var proto: DatabaseProtocol = .postgres
    let dbUser: String
    var dbName: String? = "app"
    let allowed: Bool
    var rule: String? = nil
    var role: String? = nil
}

/// A listing case: does `canSee` show the database, and how does `allowedUsers` display it.
private struct ListingCase {
    let name: String
    let roles: [Role]
    var traits: Traits = [:]
    var labels: Labels = [:]
    var proto: DatabaseProtocol = .postgres
    let visible: Bool
    let users: String
}

private func labels(_ l: [String: [String]]) -> LabelSelector { LabelSelector(l) }

private func allow(_ name: String, labels l: [String: [String]] = ["*": ["*"]], users: [String] = [],
                   names: [String] = []) -> Role {
    Role(name: name, allow: RoleConditions(dbLabels: labels(l), dbNames: names, dbUsers: users))
}

private func deny(_ name: String, labels l: [String: [String]] = [:], users: [String] = [],
                  names: [String] = []) -> Role {
    Role(name: name, deny: RoleConditions(dbLabels: labels(l), dbNames: names, dbUsers: users))
}

/// Seeds setup 1: `role db` with `'*'` everywhere.
private let seedDB = Role(name: "db", allow: RoleConditions(dbLabels: .everything, dbNames: ["*"], dbUsers: ["*"]))
/// Seeds setup 2: `tctl users add --roles=access --db-users="*" --db-names="*"`.
private let seedAccessTraits: Traits = ["db_users": ["*"], "db_names": ["*"]]
private let access = Role.presetAccess
private let prod: Labels = ["env": "prod", "team": "payments"]
private let dev: Labels = ["env": "dev"]
private let denied = "access to db denied. User does not have permissions. Confirm database user and name."

private let accessCases: [RBACCase] = [
    // MARK: Seeds setup 1: role db with '*' everywhere.
    RBACCase(name: "seed db: labelled postgres", roles: [seedDB], labels: prod, dbUser: "alice",
             allowed: true, rule: "allow", role: "db"),
    RBACCase(name: "seed db: unlabelled postgres", roles: [seedDB], dbUser: "postgres", dbName: "postgres",
             allowed: true, rule: "allow", role: "db"),
    RBACCase(name: "seed db: redis", roles: [seedDB], proto: .redis, dbUser: "default", dbName: nil,
             allowed: true, rule: "allow", role: "db"),
    RBACCase(name: "seed db: empty db name defaults to user", roles: [seedDB], labels: dev, dbUser: "alice",
             dbName: "", allowed: true, rule: "allow", role: "db"),
    RBACCase(name: "seed db: empty postgres user refused", roles: [seedDB], dbUser: "", allowed: false,
             rule: "db_user"),
    RBACCase(name: "seed db: user with odd characters", roles: [seedDB], dbUser: "a b\nc", dbName: "x\ny",
             allowed: true, rule: "allow"),

    // MARK: Seeds setup 2: preset access role + traits '*'.
    RBACCase(name: "seed access: postgres", roles: [access], traits: seedAccessTraits, labels: prod,
             dbUser: "alice", allowed: true, rule: "allow", role: "access"),
    RBACCase(name: "seed access: redis", roles: [access], traits: seedAccessTraits, labels: prod, proto: .redis,
             dbUser: "default", dbName: nil, allowed: true, rule: "allow", role: "access"),
    RBACCase(name: "seed access: unlabelled database", roles: [access], traits: seedAccessTraits,
             dbUser: "postgres", dbName: "postgres", allowed: true, role: "access"),
    RBACCase(name: "seed access: empty db name", roles: [access], traits: seedAccessTraits, dbUser: "alice",
             dbName: "", allowed: true, role: "access"),
    RBACCase(name: "access without traits: nothing allowed", roles: [access], dbUser: "alice",
             allowed: false, rule: "no allow"),
    RBACCase(name: "access: db_names trait missing drops the entry", roles: [access],
             traits: ["db_users": ["alice"]], dbUser: "alice", allowed: false, rule: "no allow"),
    RBACCase(name: "access: named user and name", roles: [access],
             traits: ["db_users": ["alice"], "db_names": ["app"]], dbUser: "alice", allowed: true),
    RBACCase(name: "access: user not in trait", roles: [access],
             traits: ["db_users": ["alice"], "db_names": ["app"]], dbUser: "bob", allowed: false),
    RBACCase(name: "access: name not in trait", roles: [access],
             traits: ["db_users": ["alice"], "db_names": ["app"]], dbUser: "alice", dbName: "billing",
             allowed: false),
    RBACCase(name: "access: redis needs no db_names", roles: [access], traits: ["db_users": ["alice"]],
             proto: .redis, dbUser: "alice", dbName: "0", allowed: true),
    RBACCase(name: "access: empty name defaults to user, allowed", roles: [access],
             traits: ["db_users": ["alice"], "db_names": ["alice"]], dbUser: "alice", dbName: "", allowed: true),
    RBACCase(name: "access: empty name defaults to user, denied", roles: [access],
             traits: ["db_users": ["alice"], "db_names": ["app"]], dbUser: "alice", dbName: "", allowed: false),
    RBACCase(name: "access: empty trait values are ignored", roles: [access],
             traits: ["db_users": [""], "db_names": ["*"]], dbUser: "alice", allowed: false),

    // MARK: Label selectors.
    RBACCase(name: "empty selector matches nothing", roles: [allow("r", labels: [:], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false, rule: "no allow"),
    RBACCase(name: "'*':'*' matches an unlabelled db", roles: [allow("r", users: ["*"], names: ["*"])],
             dbUser: "alice", allowed: true, role: "r"),
    RBACCase(name: "exact label", roles: [allow("r", labels: ["env": ["prod"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "label value differs", roles: [allow("r", labels: ["env": ["prod"]], users: ["*"], names: ["*"])],
             labels: dev, dbUser: "alice", allowed: false),
    RBACCase(name: "label key absent", roles: [allow("r", labels: ["tier": ["gold"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false),
    RBACCase(name: "keys are AND'ed: one missing",
             roles: [allow("r", labels: ["env": ["prod"], "region": ["eu"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false),
    RBACCase(name: "keys are AND'ed: all present",
             roles: [allow("r", labels: ["env": ["prod"], "team": ["payments"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "values are OR'ed",
             roles: [allow("r", labels: ["env": ["staging", "dev"]], users: ["*"], names: ["*"])],
             labels: dev, dbUser: "alice", allowed: true),
    RBACCase(name: "'*' value: any value of a present key",
             roles: [allow("r", labels: ["team": ["*"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "'*' value: the key must still be present",
             roles: [allow("r", labels: ["team": ["*"]], users: ["*"], names: ["*"])],
             labels: dev, dbUser: "alice", allowed: false),
    RBACCase(name: "glob value", roles: [allow("r", labels: ["env": ["prod-*"]], users: ["*"], names: ["*"])],
             labels: ["env": "prod-eu"], dbUser: "alice", allowed: true),
    RBACCase(name: "glob is anchored", roles: [allow("r", labels: ["env": ["prod-*"]], users: ["*"], names: ["*"])],
             labels: ["env": "preprod-eu"], dbUser: "alice", allowed: false),
    RBACCase(name: "glob '*' in the middle", roles: [allow("r", labels: ["env": ["p*d"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "matching is case-sensitive",
             roles: [allow("r", labels: ["env": ["prod"]], users: ["*"], names: ["*"])],
             labels: ["env": "Prod"], dbUser: "alice", allowed: false),
    RBACCase(name: "'?' is not special in a glob",
             roles: [allow("r", labels: ["env": ["prod-?"]], users: ["*"], names: ["*"])],
             labels: ["env": "prod-1"], dbUser: "alice", allowed: false),
    RBACCase(name: "'.' is not special in a glob",
             roles: [allow("r", labels: ["env": ["prod.eu*"]], users: ["*"], names: ["*"])],
             labels: ["env": "prodXeu"], dbUser: "alice", allowed: false),
    RBACCase(name: "glob '*' does not cross a newline (Go's '.')",
             roles: [allow("r", labels: ["env": ["prod*"]], users: ["*"], names: ["*"])],
             labels: ["env": "prod\nx"], dbUser: "alice", allowed: false),
    RBACCase(name: "regular expression",
             roles: [allow("r", labels: ["env": ["^prod-(eu|us)$"]], users: ["*"], names: ["*"])],
             labels: ["env": "prod-us"], dbUser: "alice", allowed: true),
    RBACCase(name: "regular expression is anchored",
             roles: [allow("r", labels: ["env": ["^prod-(eu|us)$"]], users: ["*"], names: ["*"])],
             labels: ["env": "prod-usa"], dbUser: "alice", allowed: false),
    RBACCase(name: "'^' without '$' is a literal glob",
             roles: [allow("r", labels: ["env": ["^prod"]], users: ["*"], names: ["*"])],
             labels: ["env": "^prod"], dbUser: "alice", allowed: true),
    RBACCase(name: "'^' without '$' does not act as a regex",
             roles: [allow("r", labels: ["env": ["^prod"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false),
    RBACCase(name: "'*' key with another value is a literal key",
             roles: [allow("r", labels: ["*": ["prod"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false),
    RBACCase(name: "'*':'*' wins over other keys, as Teleport's MatchLabels",
             roles: [allow("r", labels: ["*": ["*"], "env": ["nope"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "trait in a label value",
             roles: [allow("r", labels: ["env": ["{{external.envs}}"]], users: ["*"], names: ["*"])],
             traits: ["envs": ["staging", "dev"]], labels: dev, dbUser: "alice", allowed: true),
    RBACCase(name: "trait in a label value with prefix",
             roles: [allow("r", labels: ["env": ["prod-{{external.region}}"]], users: ["*"], names: ["*"])],
             traits: ["region": ["eu"]], labels: ["env": "prod-eu"], dbUser: "alice", allowed: true),
    RBACCase(name: "missing trait in a label value matches nothing",
             roles: [allow("r", labels: ["env": ["{{external.envs}}"]], users: ["*"], names: ["*"])],
             labels: dev, dbUser: "alice", allowed: false),
    RBACCase(name: "trait in a label key",
             roles: [allow("r", labels: ["{{external.key}}": ["payments"]], users: ["*"], names: ["*"])],
             traits: ["key": ["team"]], labels: prod, dbUser: "alice", allowed: true),
    RBACCase(name: "missing trait in a label key: the selector matches nothing",
             roles: [allow("r", labels: ["{{external.key}}": ["*"], "env": ["prod"]], users: ["*"], names: ["*"])],
             labels: prod, dbUser: "alice", allowed: false),
    RBACCase(name: "'*' with a dropped value is no longer the wildcard",
             roles: [allow("r", labels: ["*": ["*", "{{external.missing}}"]], users: ["*"], names: ["*"])],
             dbUser: "alice", allowed: false),

    // MARK: db_users and db_names.
    RBACCase(name: "exact db user", roles: [allow("r", users: ["alice"], names: ["*"])], dbUser: "alice",
             allowed: true),
    RBACCase(name: "other db user", roles: [allow("r", users: ["alice"], names: ["*"])], dbUser: "bob",
             allowed: false, rule: "no allow"),
    RBACCase(name: "db user is case-sensitive", roles: [allow("r", users: ["alice"], names: ["*"])],
             dbUser: "Alice", allowed: false),
    RBACCase(name: "db user glob (extension)", roles: [allow("r", users: ["app_*"], names: ["*"])],
             dbUser: "app_ro", allowed: true),
    RBACCase(name: "db user glob other user", roles: [allow("r", users: ["app_*"], names: ["*"])],
             dbUser: "admin", allowed: false),
    RBACCase(name: "db user glob is anchored", roles: [allow("r", users: ["app_*"], names: ["*"])],
             dbUser: "xapp_1", allowed: false),
    RBACCase(name: "db user '^…$' is literal, not a regex", roles: [allow("r", users: ["^adm.*$"], names: ["*"])],
             dbUser: "admin", allowed: false),
    RBACCase(name: "db user '^…$' matches itself", roles: [allow("r", users: ["^adm.*$"], names: ["*"])],
             dbUser: "^adm.*$", allowed: true),
    RBACCase(name: "no db_users at all", roles: [allow("r", names: ["*"])], dbUser: "alice", allowed: false),
    RBACCase(name: "exact db name", roles: [allow("r", users: ["*"], names: ["app"])], dbUser: "alice",
             allowed: true),
    RBACCase(name: "other db name", roles: [allow("r", users: ["*"], names: ["app"])], dbUser: "alice",
             dbName: "billing", allowed: false),
    RBACCase(name: "db name glob (extension)", roles: [allow("r", users: ["*"], names: ["app_*"])],
             dbUser: "alice", dbName: "app_eu", allowed: true),
    RBACCase(name: "no db_names: postgres refused", roles: [allow("r", users: ["*"])], dbUser: "alice",
             allowed: false),
    RBACCase(name: "no db_names: redis allowed", roles: [allow("r", users: ["*"])], proto: .redis,
             dbUser: "alice", dbName: "3", allowed: true),
    RBACCase(name: "nil db name skips the name check", roles: [allow("r", users: ["*"])], dbUser: "alice",
             dbName: nil, allowed: true),
    RBACCase(name: "allow needs everything in one role",
             roles: [allow("a", labels: ["env": ["prod"]], users: ["alice"]),
                     allow("b", labels: ["env": ["dev"]], users: ["alice"], names: ["app"])],
             labels: prod, dbUser: "alice", allowed: false, rule: "no allow"),
    RBACCase(name: "the role that matches fully decides",
             roles: [allow("a", labels: ["env": ["dev"]], users: ["*"], names: ["*"]),
                     allow("b", labels: ["env": ["prod"]], users: ["alice"], names: ["app"])],
             labels: prod, dbUser: "alice", allowed: true, rule: "allow", role: "b"),
    RBACCase(name: "internal.db_users in a custom role",
             roles: [allow("r", users: ["{{internal.db_users}}"], names: ["{{internal.db_names}}"])],
             traits: ["db_users": ["reader"], "db_names": ["app"]], dbUser: "reader", allowed: true),
    RBACCase(name: "external.X reads the same trait as internal.X",
             roles: [allow("r", users: ["{{external.db_users}}"], names: ["*"])],
             traits: ["db_users": ["reader"]], dbUser: "reader", allowed: true),
    RBACCase(name: "external bracket syntax",
             roles: [allow("r", users: ["{{external[\"db-login\"]}}"], names: ["*"])],
             traits: ["db-login": ["reader"]], dbUser: "reader", allowed: true),
    RBACCase(name: "trait with prefix in db_users",
             roles: [allow("r", users: ["svc-{{external.team}}"], names: ["*"])],
             traits: ["team": ["db", "web"]], dbUser: "svc-web", allowed: true),
    RBACCase(name: "missing trait leaves the literal entries",
             roles: [allow("r", users: ["{{external.nope}}", "alice"], names: ["*"])], dbUser: "alice",
             allowed: true),
    RBACCase(name: "missing trait never matches its own text",
             roles: [allow("r", users: ["{{external.nope}}"], names: ["*"])], dbUser: "{{external.nope}}",
             allowed: false),
    RBACCase(name: "email.local in db_users",
             roles: [allow("r", users: ["{{email.local(external.email)}}"], names: ["*"])],
             traits: ["email": ["alice@example.com"]], dbUser: "alice", allowed: true),
    RBACCase(name: "email.local: one invalid address drops the entry",
             roles: [allow("r", users: ["{{email.local(external.email)}}"], names: ["*"])],
             traits: ["email": ["alice@example.com", "not-an-address"]], dbUser: "alice", allowed: false),
    RBACCase(name: "regexp.replace in db_users",
             roles: [allow("r", users: ["{{regexp.replace(external.groups, \"^db-(.*)$\", \"$1\")}}"], names: ["*"])],
             traits: ["groups": ["db-reader", "web"]], dbUser: "reader", allowed: true),
    RBACCase(name: "regexp.replace drops non-matching values",
             roles: [allow("r", users: ["{{regexp.replace(external.groups, \"^db-(.*)$\", \"$1\")}}"], names: ["*"])],
             traits: ["groups": ["db-reader", "web"]], dbUser: "web", allowed: false),

    // MARK: Deny.
    RBACCase(name: "deny labels deny", roles: [seedDB, deny("guard", labels: ["env": ["prod"]])], labels: prod,
             dbUser: "alice", allowed: false, rule: "deny.db_labels", role: "guard"),
    RBACCase(name: "deny labels elsewhere do not deny", roles: [seedDB, deny("guard", labels: ["env": ["prod"]])],
             labels: dev, dbUser: "alice", allowed: true, role: "db"),
    RBACCase(name: "deny labels '*':'*' deny everything", roles: [seedDB, deny("guard", labels: ["*": ["*"]])],
             dbUser: "alice", allowed: false, rule: "deny.db_labels"),
    RBACCase(name: "deny labels regex", roles: [seedDB, deny("guard", labels: ["env": ["^pro.*$"]])],
             labels: prod, dbUser: "alice", allowed: false, rule: "deny.db_labels"),
    RBACCase(name: "deny labels with a missing-trait key never match",
             roles: [seedDB, deny("guard", labels: ["{{external.k}}": ["*"], "env": ["prod"]])], labels: prod,
             dbUser: "alice", allowed: true),
    RBACCase(name: "deny db_users is greedy: other labels",
             roles: [seedDB, deny("guard", labels: ["env": ["prod"]], users: ["root"])], labels: dev,
             dbUser: "root", allowed: false, rule: "deny.db_users", role: "guard"),
    RBACCase(name: "deny db_users is greedy: no labels at all",
             roles: [seedDB, deny("guard", users: ["root"])], labels: dev, dbUser: "root", allowed: false,
             rule: "deny.db_users"),
    RBACCase(name: "deny db_users other user passes", roles: [seedDB, deny("guard", users: ["root"])],
             dbUser: "alice", allowed: true, role: "db"),
    RBACCase(name: "deny db_users '*' denies everyone", roles: [seedDB, deny("guard", users: ["*"])],
             dbUser: "alice", allowed: false, rule: "deny.db_users"),
    RBACCase(name: "deny db_users glob (extension)", roles: [seedDB, deny("guard", users: ["adm*"])],
             dbUser: "admin", allowed: false, rule: "deny.db_users"),
    RBACCase(name: "deny db_names", roles: [seedDB, deny("guard", names: ["postgres"])], dbUser: "alice",
             dbName: "postgres", allowed: false, rule: "deny.db_names", role: "guard"),
    RBACCase(name: "deny db_names other name passes", roles: [seedDB, deny("guard", names: ["postgres"])],
             dbUser: "alice", allowed: true),
    RBACCase(name: "deny db_names applies to the defaulted name",
             roles: [seedDB, deny("guard", names: ["root"])], dbUser: "root", dbName: "", allowed: false,
             rule: "deny.db_names"),
    RBACCase(name: "deny db_names not checked for redis", roles: [seedDB, deny("guard", names: ["*"])],
             proto: .redis, dbUser: "default", dbName: "0", allowed: true),
    RBACCase(name: "deny db_names '*' denies every postgres name", roles: [seedDB, deny("guard", names: ["*"])],
             dbUser: "alice", allowed: false, rule: "deny.db_names"),
    RBACCase(name: "deny and allow in the same role: deny wins",
             roles: [Role(name: "r", allow: RoleConditions(dbLabels: .everything, dbNames: ["*"], dbUsers: ["*"]),
                          deny: RoleConditions(dbUsers: ["postgres"]))],
             dbUser: "postgres", allowed: false, rule: "deny.db_users", role: "r"),
    RBACCase(name: "deny wins whatever the role order", roles: [deny("guard", users: ["root"]), seedDB],
             dbUser: "root", allowed: false, rule: "deny.db_users"),
    RBACCase(name: "deny with a missing trait denies nothing",
             roles: [seedDB, deny("guard", users: ["{{external.banned}}"])], dbUser: "alice", allowed: true),
    RBACCase(name: "deny with a trait", roles: [seedDB, deny("guard", users: ["{{external.banned}}"])],
             traits: ["banned": ["alice"]], dbUser: "alice", allowed: false, rule: "deny.db_users"),
    RBACCase(name: "deny preset access users via trait",
             roles: [access, deny("guard", users: ["postgres"])], traits: seedAccessTraits, dbUser: "postgres",
             dbName: "postgres", allowed: false, rule: "deny.db_users"),

    // MARK: Users and protocols.
    RBACCase(name: "no roles", roles: [], dbUser: "alice", allowed: false, rule: "no allow"),
    RBACCase(name: "redis empty user is 'default': allowed", roles: [allow("r", users: ["default"])],
             proto: .redis, dbUser: "", dbName: nil, allowed: true),
    RBACCase(name: "redis empty user is 'default': denied", roles: [allow("r", users: ["alice"])],
             proto: .redis, dbUser: "", dbName: nil, allowed: false),
    RBACCase(name: "postgres empty user with '*' still refused", roles: [allow("r", users: ["*"], names: ["*"])],
             dbUser: "", dbName: "", allowed: false, rule: "db_user"),
]

/// Listing: `canSee` and the Allowed Users column.
private let listingCases: [ListingCase] = [
    ListingCase(name: "seed db", roles: [seedDB], visible: true, users: "[*]"),
    ListingCase(name: "seed access", roles: [access], traits: seedAccessTraits, labels: prod, visible: true,
                users: "[*]"),
    ListingCase(name: "preset access without traits is visible, no users", roles: [access], labels: prod,
                visible: true, users: "(none)"),
    ListingCase(name: "named users", roles: [allow("r", users: ["bob", "alice"])], visible: true,
                users: "[alice bob]"),
    ListingCase(name: "wildcard with named users keeps the names", roles: [allow("a", users: ["*"]),
                                                                          allow("b", users: ["alice"])],
                visible: true, users: "[* alice]"),
    ListingCase(name: "wildcard except denied", roles: [allow("r", users: ["*"]), deny("guard", users: ["root"])],
                visible: true, users: "[*], except: [root]"),
    ListingCase(name: "wildcard except denied glob", roles: [allow("r", users: ["*"]), deny("guard", users: ["adm*"])],
                visible: true, users: "[*], except: [adm*]"),
    ListingCase(name: "deny '*' users: none", roles: [seedDB, deny("guard", users: ["*"])], visible: true,
                users: "(none)"),
    ListingCase(name: "deny db_users never hide a database", roles: [seedDB, deny("guard", users: ["root"])],
                labels: prod, visible: true, users: "[*], except: [root]"),
    ListingCase(name: "deny labels hide", roles: [seedDB, deny("guard", labels: ["env": ["prod"]])], labels: prod,
                visible: false, users: "(none)"),
    ListingCase(name: "deny labels elsewhere do not hide", roles: [seedDB, deny("guard", labels: ["env": ["prod"]])],
                labels: dev, visible: true, users: "[*]"),
    ListingCase(name: "label mismatch hides", roles: [allow("r", labels: ["env": ["prod"]], users: ["*"])],
                labels: dev, visible: false, users: "(none)"),
    ListingCase(name: "empty selector hides", roles: [allow("r", labels: [:], users: ["*"])], labels: prod,
                visible: false, users: "(none)"),
    ListingCase(name: "labels alone make it visible", roles: [allow("r", labels: ["env": ["prod"]])],
                labels: prod, visible: true, users: "(none)"),
    ListingCase(name: "wildcard from a role whose labels do not match does not count",
                roles: [allow("a", labels: ["env": ["dev"]], users: ["*"]),
                        allow("b", labels: ["env": ["prod"]], users: ["alice"])],
                labels: prod, visible: true, users: "[alice]"),
    ListingCase(name: "named user allowed only elsewhere is listed as denied",
                roles: [allow("a", labels: ["env": ["prod"]], users: ["*"]),
                        allow("b", labels: ["env": ["dev"]], users: ["bob"]), deny("guard", users: ["root"])],
                labels: prod, visible: true, users: "[* bob], except: [root]"),
    ListingCase(name: "globs are listed as written", roles: [allow("r", users: ["app_*"])], visible: true,
                users: "[app_*]"),
    ListingCase(name: "trait users", roles: [access], traits: ["db_users": ["reader", "writer"]], visible: true,
                users: "[reader writer]"),
    ListingCase(name: "no roles", roles: [], visible: false, users: "(none)"),
    ListingCase(name: "redis", roles: [allow("r", users: ["default"])], proto: .redis, visible: true,
                users: "[default]"),
]

final class RBACTableTests: XCTestCase {
    private func checker(_ roles: [Role], _ traits: Traits) throws -> AccessChecker {
        try AccessChecker(user: PosternUser(name: "u", roles: roles.map(\.name), traits: traits), roles: roles)
    }

    private func db(_ labels: Labels, _ proto: DatabaseProtocol) -> Database {
        Database(name: "db1", protocol: proto, uri: proto == .redis ? "127.0.0.1:6379" : "127.0.0.1:5432",
                 staticLabels: labels)
    }

    func testAccessTable() throws {
        XCTAssertGreaterThanOrEqual(accessCases.count, 70)
        XCTAssertEqual(Set(accessCases.map(\.name)).count, accessCases.count, "case names must be unique")
        for c in accessCases {
            let d = try checker(c.roles, c.traits).check(db(c.labels, c.proto), dbUser: c.dbUser, dbName: c.dbName)
            XCTAssertEqual(d.allowed, c.allowed, "\(c.name): \(d.reason) \(d.details)")
            if let rule = c.rule { XCTAssertEqual(d.rule, rule, c.name) }
            if let role = c.role { XCTAssertEqual(d.role, role, c.name) }
            if !d.allowed && d.rule != "db_user" { XCTAssertEqual(d.reason, denied, c.name) }
        }
    }

    func testListingTable() throws {
        for c in listingCases {
            let ch = try checker(c.roles, c.traits)
            let database = db(c.labels, c.proto)
            XCTAssertEqual(ch.canSee(database), c.visible, c.name)
            XCTAssertEqual(ch.allowedUsers(database).display, c.users, c.name)
        }
    }

    func testAllowedUsersFields() throws {
        let ch = try checker([allow("a", users: ["*", "alice"]), deny("guard", users: ["root"])], [:])
        let users = ch.allowedUsers(db([:], .postgres))
        XCTAssertEqual(users.allowed, ["*", "alice"])
        XCTAssertEqual(users.denied, ["root"])
        XCTAssertEqual(AllowedUsers(allowed: ["alice"], denied: ["root"]).display, "[alice]")
    }

    func testDenialDetailsNameEveryRole() throws {
        let roles = [allow("a", labels: ["env": ["dev"]], users: ["*"], names: ["*"]),
                     allow("b", users: ["alice"], names: ["*"]), allow("c", users: ["*"], names: ["app"])]
        let d = try checker(roles, [:]).check(db(prod, .postgres), dbUser: "bob", dbName: "billing")
        XCTAssertFalse(d.allowed)
        XCTAssertNil(d.role)
        XCTAssertEqual(d.details.count, 3)
        XCTAssertTrue(d.details[0].hasPrefix("role a: db_labels"), d.details[0])
        XCTAssertTrue(d.details[1].hasPrefix("role b: db_users"), d.details[1])
        XCTAssertTrue(d.details[2].hasPrefix("role c: db_names"), d.details[2])
    }

    func testInvalidRegexInTraitValueFailsTheChecker() {
        let role = allow("r", labels: ["env": ["{{external.re}}"]], users: ["*"])
        XCTAssertThrowsError(try checker([role], ["re": ["^(unclosed$"]]))
    }

    // MARK: Role YAML decoding.

    func testDecodeLabelValueStringOrList() throws {
        let roles = try RoleDecoder.decodeAll("""
        kind: role
        version: v7
        metadata: {name: a}
        spec:
          allow:
            db_labels:
              env: prod
              region: [eu, us]
              '*': '*'
            db_users: alice
            db_names: [app, '{{internal.db_names}}']
          deny:
            db_labels: {tier: ['^gold$']}
            db_users: [root]
        ---
        kind: role
        version: v5
        metadata: {name: b}
        spec:
          allow:
            db_labels: {'*': '*'}
        """, file: "roles.yaml")
        XCTAssertEqual(roles.map(\.name), ["a", "b"])
        XCTAssertEqual(roles[0].allow.dbLabels.entries, ["env": ["prod"], "region": ["eu", "us"], "*": ["*"]])
        XCTAssertEqual(roles[0].allow.dbUsers, ["alice"])
        XCTAssertEqual(roles[0].allow.dbNames, ["app", "{{internal.db_names}}"])
        XCTAssertEqual(roles[0].deny.dbLabels.entries, ["tier": ["^gold$"]])
        XCTAssertEqual(roles[0].deny.dbUsers, ["root"])
        XCTAssertTrue(roles[1].allow.dbLabels.isWildcard)
        XCTAssertEqual(roles[1].allow.dbLabels, .everything)
        XCTAssertEqual(roles[0].origin, "roles.yaml:1")
    }

    func testDecodedRolesCheckEndToEnd() throws {
        let roles = try RoleDecoder.decodeAll("""
        kind: role
        version: v7
        metadata: {name: dev}
        spec:
          allow:
            db_labels: {env: [dev, 'stag*']}
            db_users: ['{{internal.db_users}}']
            db_names: ['*']
          deny:
            db_users: [postgres]
        """, file: "dev.yaml")
        let ch = try checker(roles, ["db_users": ["alice", "postgres"]])
        XCTAssertTrue(ch.check(db(["env": "staging"], .postgres), dbUser: "alice", dbName: "x").allowed)
        XCTAssertFalse(ch.check(db(["env": "prod"], .postgres), dbUser: "alice", dbName: "x").allowed)
        XCTAssertEqual(ch.check(db(dev, .postgres), dbUser: "postgres", dbName: "x").rule, "deny.db_users")
    }

    func testDecodeRejectsBadRoles() {
        func decodeError(_ spec: String) -> String? {
            do {
                _ = try RoleDecoder.decodeAll("kind: role\nversion: v7\nmetadata: {name: r}\nspec:\n" + spec,
                                              file: "r.yaml")
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertNotNil(decodeError("  allow:\n    db_users: ['{{internal.db_users']\n"))
        XCTAssertNotNil(decodeError("  allow:\n    db_users: ['{{internal.nope}}']\n"))
        XCTAssertNotNil(decodeError("  allow:\n    db_users: ['{{external.a}}{{external.b}}']\n"))
        XCTAssertNotNil(decodeError("  allow:\n    db_labels: {env: '^(prod$'}\n"))
        XCTAssertNotNil(decodeError("  allow:\n    db_labels: {'{{external.k': v}\n"))
        XCTAssertNotNil(decodeError("  deny:\n    db_labels_expression: 'labels.env == \"prod\"'\n"))
        XCTAssertNotNil(decodeError("  allow:\n    db_labels: {env: [prod, [nested]]}\n"))
        XCTAssertNil(decodeError("  allow:\n    logins: [root]\n    db_labels: {env: prod}\n"))
    }
}
