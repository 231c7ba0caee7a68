import PosternCore
@testable import PosternTUI

/// A small inventory like the demo's, plus the names that break naive terminals:
/// an escape sequence, CJK and an emoji.
enum Fixtures {
    static let escapeName = "evil\u{1B}[31mred"

    static var databases: [Database] {
        [
            Database(name: "orders-prod", description: "Orders (PostgreSQL 15, TLS)", protocol: .postgres, uri: "127.0.0.1:54329",
                     staticLabels: ["env": "prod", "team": "payments", "engine": "postgres"],
                     auth: .password(.file("/secrets/pg.password"))),
            Database(name: "analytics-dev", description: "Analytics sandbox", protocol: .postgres, uri: "127.0.0.1:54329",
                     staticLabels: ["env": "dev", "team": "data", "engine": "postgres"]),
            Database(name: "sessions-cache", description: "Web sessions (Redis 7, TLS)", protocol: .redis, uri: "127.0.0.1:63800",
                     staticLabels: ["env": "prod", "team": "web", "engine": "redis"], auth: .password(.environment("REDIS_PW"))),
            Database(name: "reporting-aurora", description: "Aurora PostgreSQL (IAM)", protocol: .postgres,
                     uri: "reporting.cluster-c9akciq32.eu-west-2.rds.amazonaws.com:5432",
                     staticLabels: ["env": "prod", "team": "data", "engine": "aurora-postgresql", "region": "eu-west-2"],
                     aws: aws(region: "eu-west-2", account: "123456789012", cluster: "reporting")),
            Database(name: "cart-elasticache", description: "ElastiCache Redis (IAM)", protocol: .redis,
                     uri: "master.cart.xkqwje.euw2.cache.amazonaws.com:6379",
                     staticLabels: ["env": "staging", "team": "web", "region": "eu-west-2"],
                     aws: aws(region: "eu-west-2", replicationGroup: "cart")),
            Database(name: "search-us", description: "Search index 検索", protocol: .postgres, uri: "10.0.0.9:5432",
                     staticLabels: ["env": "prod", "team": "search", "region": "us-east-1"]),
            Database(name: "売上-db", description: "Sales 🚀 launch", protocol: .postgres, uri: "10.0.0.10:5432",
                     staticLabels: ["env": "dev", "team": "sales", "region": "ap-northeast-1"]),
            Database(name: escapeName, description: "name with an escape\u{7}", protocol: .redis, uri: "10.0.0.11:6379",
                     staticLabels: ["env": "staging", "team": "red\u{1B}team"]),
        ]
    }

    static func aws(region: String, account: String = "", cluster: String = "", replicationGroup: String = "") -> DatabaseAWS {
        var a = DatabaseAWS()
        a.elastiCache.replicationGroupID = replicationGroup
        a.region = region
        a.accountID = account
        a.rds.clusterID = cluster
        return a
    }

    /// alice: reader and writer everywhere except postgres, which a deny role refuses.
    static func checker() -> AccessChecker {
        let user = PosternUser(name: "alice", roles: ["access", "guardrails"],
                               traits: ["db_users": ["reader", "writer", "postgres"], "db_names": ["app"]])
        let guardrails = Role(name: "guardrails", deny: RoleConditions(dbUsers: ["postgres"]))
        do {
            return try AccessChecker(user: user, roles: [Role.presetAccess, guardrails])
        } catch {
            fatalError("fixture roles compile: \(error)")
        }
    }

    static func inventory(_ dbs: [Database] = databases) -> InventorySnapshot {
        InventorySnapshot(databases: dbs, checker: checker(), clusterName: "test-bastion")
    }

    static func state(width: Int = 80, height: Int = 24, _ dbs: [Database] = databases) -> ConsoleState {
        ConsoleState(inventory: inventory(dbs), width: width, height: height)
    }

    /// Applies key presses; a String types its characters.
    static func press(_ state: ConsoleState, _ keys: [Key]) -> ConsoleState {
        keys.reduce(state) { ConsoleReducer.reduce($0, .key($1)) }
    }

    static func type(_ text: String) -> [Key] { text.map { .char($0) } }

    static func names(_ s: ConsoleState) -> [String] {
        s.browser.visible.map { s.inventory.rows[Int($0)].database.name }
    }
}
