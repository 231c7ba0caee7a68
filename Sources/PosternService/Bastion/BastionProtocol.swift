import Foundation
import PosternAudit
import PosternCore

/// What an operator's `postern` asks the bastion service, one JSON line per connection. Who asks
/// is never part of a request: the service takes it from the socket's peer credentials.
public struct BastionRequest: Codable, Sendable, Equatable {
    public enum Operation: String, Codable, Sendable {
        /// Who the service thinks you are.
        case whoami
        /// The databases your roles permit (`db ls`).
        case list = "db.ls"
        /// Whether a route is allowed, and why (`db explain`).
        case explain = "db.explain"
        /// Audit events (`audit search`, `play`), limited to your own unless a role lets you read all.
        case search = "audit.search"
        /// Audit events as they are recorded (`audit tail`, the console's pane), likewise limited.
        case tail = "audit.tail"
        /// Re-check the store's hash chains (`audit verify`), for those who may read every event.
        case verify = "audit.verify"
        /// What the console shows: the databases you may see, your user and roles.
        case console
        /// Open a database session: after the service's reply line, the connection carries the
        /// database's own protocol (PostgreSQL or RESP), authenticated by peer credentials.
        case connect
    }

    public var op: Operation
    public var db: String?
    public var dbUser: String?
    public var dbName: String?
    public var labels: String?
    public var search: String?
    public var audit: AuditQuery?
    /// `SSH_CONNECTION`'s client address, as the operator's process reports it (recorded as such).
    public var sshClient: String?

    enum CodingKeys: String, CodingKey {
        case op, db, labels, search, audit
        case dbUser = "db_user", dbName = "db_name", sshClient = "ssh_client"
    }

    public init(op: Operation, db: String? = nil, dbUser: String? = nil, dbName: String? = nil, labels: String? = nil,
                search: String? = nil, audit: AuditQuery? = nil, sshClient: String? = nil) {
        self.op = op
        self.db = db
        self.dbUser = dbUser
        self.dbName = dbName
        self.labels = labels
        self.search = search
        self.audit = audit
        self.sshClient = sshClient
    }
}

/// An audit search as sent over the socket (times in nanoseconds since the epoch).
public struct AuditQuery: Codable, Sendable, Equatable {
    public var since: Int64?
    public var until: Int64?
    public var types: [String]
    public var user: String?
    public var db: String?
    public var sid: String?
    public var limit: Int

    public init(since: Int64? = nil, until: Int64? = nil, types: [String] = [], user: String? = nil, db: String? = nil,
                sid: String? = nil, limit: Int = 1000) {
        self.since = since
        self.until = until
        self.types = types
        self.user = user
        self.db = db
        self.sid = sid
        self.limit = limit
    }
}

/// The service's answer: one JSON line. For `connect` it is followed by the database protocol;
/// for `audit.tail`, by one event JSON per line.
public struct BastionReply: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    public var whoami: Whoami?
    public var console: ConsoleView?
    public var databases: [DatabaseListing]?
    public var decision: AccessDecision?
    public var events: [AuditEvent]?
    /// Each event's bastion, when the service reads the shared audit store (same order as `events`).
    public var hosts: [String]?
    public var verify: AuditVerifyReport?
    /// `connect`: the database's protocol (`postgres`, `redis`), so a relay can speak its errors.
    public var `protocol`: String?
    /// `connect`: the db user and db name the session uses (defaults applied).
    public var dbUser: String?
    public var dbName: String?

    enum CodingKeys: String, CodingKey {
        case ok, error, whoami, console, databases, decision, events, hosts, verify, `protocol`
        case dbUser = "db_user", dbName = "db_name"
    }

    public init(ok: Bool, error: String? = nil) {
        self.ok = ok
        self.error = error
    }

    public static func failure(_ message: String) -> BastionReply { BastionReply(ok: false, error: message) }
}

public struct Whoami: Codable, Sendable, Equatable {
    /// The Postern user (from `users:`); empty when the login is not there.
    public var user: String
    public var login: String
    public var uid: UInt32
    public var roles: [String]
    /// Every user's audit events are readable (a role's `rules`, or the `auditor` preset).
    public var readsAllAudit: Bool
    public var cluster: String
    /// Where the service keeps what operators must not read, for `doctor --bastion` to try.
    public var deployment: Deployment?

    public struct Deployment: Codable, Sendable, Equatable {
        public var configPath: String
        public var configOwnerUID: UInt32
        public var configMode: UInt32
        public var storePath: String
        public var secretFiles: [String]
        public var socket: String

        enum CodingKeys: String, CodingKey {
            case configPath = "config_path", configOwnerUID = "config_owner_uid", configMode = "config_mode"
            case storePath = "store_path", secretFiles = "secret_files", socket
        }
    }

    enum CodingKeys: String, CodingKey {
        case user, login, uid, roles, cluster, deployment
        case readsAllAudit = "reads_all_audit"
    }

    public init(user: String, login: String, uid: UInt32, roles: [String], readsAllAudit: Bool, cluster: String) {
        self.user = user
        self.login = login
        self.uid = uid
        self.roles = roles
        self.readsAllAudit = readsAllAudit
        self.cluster = cluster
    }
}

/// Newline-delimited JSON, bounded so a client cannot make the service buffer without end.
public enum BastionWire {
    public static let maxLine = 64 << 10

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(type, from: Data(line))
    }
}

/// What the console needs to draw the browser and its connect dialog: the user, their roles and
/// the databases they may see, with no secret reference (sign-in settings are the service's).
/// The console's checks on it only shape the screen; the service decides every connection.
public struct ConsoleView: Codable, Sendable {
    public var cluster: String
    public var user: PosternUser
    public var roles: [Role]
    public var databases: [Database]

    public init(cluster: String, user: PosternUser, roles: [Role], databases: [Database]) {
        self.cluster = cluster
        self.user = user
        self.roles = roles
        self.databases = databases.map { db in
            var shown = db
            shown.auth = .iam
            shown.redis.managedUsers = nil
            shown.aws.assumeRoleARN = ""
            shown.aws.externalID = ""
            shown.aws.secretStore = DatabaseAWS.SecretStore()
            return shown
        }
    }
}
