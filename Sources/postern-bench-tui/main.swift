// `scripts/bench tui`: filter keystrokes on 100k databases and the first frame with 10k,
// through the same reducer and renderer the console uses (no terminal needed).
import Foundation
import PosternCore
import PosternTUI

let clock = ContinuousClock()

func ms(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = clock.now
    let value = try body()
    return (value, ms(clock.now - start))
}

/// Databases with the label spread of a large fleet: 3 envs, 24 teams, 6 regions.
func synthetic(_ n: Int) -> [Database] {
    let envs = ["prod", "staging", "dev"]
    let teams = ["payments", "search", "web", "data", "ml", "auth", "billing", "growth", "infra", "mobile", "ads", "ops",
                 "risk", "fraud", "catalog", "orders", "cart", "users", "mail", "media", "maps", "feeds", "chat", "sre"]
    let regions = ["us-east-1", "us-west-2", "eu-west-2", "eu-central-1", "ap-southeast-1", "ap-northeast-1"]
    return (0..<n).map { i in
        let team = teams[i % teams.count], env = envs[i % 3], region = regions[(i / 7) % regions.count]
        let redis = i % 4 == 0
        return Database(
            name: "\(team)-\(env)-\(String(i, radix: 36))", description: "\(team) \(redis ? "cache" : "database") #\(i)",
            protocol: redis ? .redis : .postgres,
            uri: redis ? "master.\(team)\(i).abc123.\(region).cache.amazonaws.com:6379"
                : "\(team)\(i).cluster-c9akciq32.\(region).rds.amazonaws.com:5432",
            staticLabels: ["env": env, "team": team, "region": region, "tier": String(i % 5)])
    }
}

func checker() throws -> AccessChecker {
    let user = PosternUser(name: "alice", roles: ["access"], traits: ["db_users": ["reader", "writer"], "db_names": ["app"]])
    return try AccessChecker(user: user, roles: [Role.presetAccess])
}

struct Stats {
    var samples: [Double] = []
    var mean: Double { samples.reduce(0, +) / Double(Swift.max(1, samples.count)) }
    var max: Double { samples.max() ?? 0 }
    var p50: Double { samples.sorted()[samples.count / 2] }
}

/// Types `query` after `/`, one key at a time, timing reduce + render for each keystroke; then,
/// for a regular expression still running, the idle steps (each with its frame) until it is done.
func typing(_ query: String, on start: ConsoleState, renderer: ConsoleRenderer) -> (Stats, ConsoleState, Double) {
    var state = ConsoleReducer.reduce(start, .key(.char("/")))
    var stats = Stats()
    for ch in query {
        let (next, t) = time { () -> ConsoleState in
            let s = ConsoleReducer.reduce(state, .key(.char(ch)))
            _ = renderer.render(s)
            return s
        }
        state = next
        stats.samples.append(t)
    }
    let (done, finish) = time { () -> ConsoleState in
        var s = state
        while s.filter.isRunning {
            s = ConsoleReducer.reduce(s, .filterStep)
            _ = renderer.render(s)
        }
        return s
    }
    return (stats, done, finish)
}

func report(_ label: String, _ value: String) {
    print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + value)
}

let renderer = ConsoleRenderer(theme: .monochrome)
let access = try checker()

// Time to first frame with 10k: config decode, inventory snapshot, state, first render.
let dbs10k = synthetic(10_000)
let yaml = "users: [{name: alice, roles: [access], traits: {db_users: [reader]}}]\ndatabases:\n"
    + dbs10k.map { d in
        "  - {name: \(d.name), description: \"\(d.description)\", protocol: \(d.protocol.rawValue), uri: \"\(d.uri)\", static_labels: {"
            + d.staticLabels.keys.sorted().map { "\($0): \"\(d.staticLabels[$0] ?? "")\"" }.joined(separator: ", ") + "}}"
    }.joined(separator: "\n") + "\n"
let (_, decodeMs) = try time { try ConfigDecoder.decode(yaml, file: "bench.yaml", baseDir: "") }
var firstFrame = Stats()
for _ in 0..<5 {
    let (_, t) = time { () -> VirtualScreen in
        let inv = InventorySnapshot(databases: dbs10k, checker: access, clusterName: "bench")
        return renderer.render(ConsoleState(inventory: inv, width: 120, height: 40))
    }
    firstFrame.samples.append(t)
}

// Where the first frame's time goes.
let (inv10k, snapshotMs) = time { InventorySnapshot(databases: dbs10k, checker: access, clusterName: "bench") }
let (state10k, stateMs) = time { ConsoleState(inventory: inv10k, width: 120, height: 40) }
let (_, renderMs) = time { renderer.render(state10k) }

// Filter keystrokes on 100k.
let (inventory100k, buildMs) = time { InventorySnapshot(databases: synthetic(100_000), checker: access, clusterName: "bench") }
let start = ConsoleState(inventory: inventory100k, width: 120, height: 40)
var all = Stats()
var lines: [(String, Stats, Int, Double)] = []
for query in ["payments-prod", "env=prod", "env=prod,team!=search", "region=~^us-", "!cache", "^search-dev",
              "^pay.*prod$", "^[a-c].*-dev"] {
    let (stats, end, finish) = typing(query, on: start, renderer: renderer)
    lines.append((query, stats, end.browser.visible.count, finish))
    all.samples += stats.samples
}

print("postern console benchmark (release build, one core of this machine)")
report("config decode, 10k databases", String(format: "%.1f ms", decodeMs))
report("first frame, 10k databases (median of 5)", String(format: "%.1f ms  (goal ≤ 150 ms)", firstFrame.p50))
report("  of which: snapshot, state, render", String(format: "%.1f + %.1f + %.1f ms", snapshotMs, stateMs, renderMs))
report("inventory snapshot, 100k databases", String(format: "%.1f ms", buildMs))
for (query, stats, shown, finish) in lines {
    report("  /\(query)  → \(shown) shown", String(format: "mean %.2f ms, max %.2f ms per key", stats.mean, stats.max)
        + (finish > 0.05 ? String(format: "; all rows checked %.0f ms later", finish) : ""))
}
report("filter keystroke, 100k (all of the above)", String(format: "mean %.2f ms, p50 %.2f, max %.2f  (goal ≤ 5 ms)",
                                                              all.mean, all.p50, all.max))
