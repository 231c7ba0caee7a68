import Foundation
import PosternCore

/// Rotates managed users' passwords: every `rotation_interval` a new random password is added to
/// the ACL user (`ACL SETUSER u >new`), stored in Secrets Manager, and only then is the old one
/// removed (`ACL SETUSER u <old`), so sessions signed in with the old one keep working and a
/// connection opened at any moment finds a password the server accepts. A failed step is retried
/// after `retryDelay`; the stored password is never one the server does not have.
public actor ManagedUserRotator {
    public struct Settings: Sendable {
        /// Wait after a failed rotation before trying again.
        public var retryDelay: Duration = .seconds(30)
        /// Between storing the new password and removing the old one, for connections that read
        /// the old password just before the switch and have not sent AUTH yet.
        public var oldPasswordGrace: Duration = .seconds(5)
        public init() {}
    }

    /// What happened, for logs (never a password).
    public enum Event: Sendable, Equatable {
        case rotated(database: String, user: String)
        case failed(database: String, user: String, reason: String)
    }

    private let store: any ManagedPasswordStore
    private let admin: RedisAdminConnector
    private let settings: Settings
    private let onEvent: @Sendable (Event) -> Void
    private let now: @Sendable () -> Date
    /// Old passwords whose removal failed, by secret name; retried on the next rotation.
    private var leftovers: [String: [String]] = [:]

    public init(store: any ManagedPasswordStore, admin: RedisAdminConnector, settings: Settings = Settings(),
                now: @escaping @Sendable () -> Date = { Date() },
                onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.store = store
        self.admin = admin
        self.settings = settings
        self.now = now
        self.onEvent = onEvent
    }

    /// Rotates every managed user of `databases` until cancelled: each as soon as its stored
    /// password is older than the interval (right away when there is none), then every interval.
    public func run(_ databases: [Database]) async {
        await withTaskGroup(of: Void.self) { group in
            for db in databases {
                guard let managed = db.redis.managedUsers else { continue }
                for user in managed.users {
                    group.addTask { await self.loop(db, user: user, interval: managed.rotationInterval) }
                }
            }
        }
    }

    private func loop(_ db: Database, user: String, interval: Duration) async {
        var wait = await firstWait(db, user: user, interval: interval)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: wait)
            } catch {
                return
            }
            do {
                // Not cancelled half-way: a rotation always ends with the stored password on the server.
                try await Task { try await self.rotate(db, user: user) }.value
                wait = interval
            } catch {
                wait = settings.retryDelay
            }
        }
    }

    /// Until the stored password is `interval` old, so restarts (or several Posterns) do not
    /// rotate more often than configured.
    private func firstWait(_ db: Database, user: String, interval: Duration) async -> Duration {
        guard let current = try? await store.current(secretName: ManagedSecretName.name(database: db, user: user)),
              let created = current.createdAt
        else { return .zero }
        let age = now().timeIntervalSince(created)
        let remaining = Double(interval.components.seconds) - age
        return remaining > 0 ? .milliseconds(Int64(remaining * 1000)) : .zero
    }

    /// One rotation of `user` on `db`, now.
    public func rotate(_ db: Database, user: String) async throws {
        do {
            try await rotateOnce(db, user: user)
            onEvent(.rotated(database: db.name, user: user))
        } catch {
            onEvent(.failed(database: db.name, user: user, reason: "\(error)"))
            throw error
        }
    }

    private func rotateOnce(_ db: Database, user: String) async throws {
        let name = ManagedSecretName.name(database: db, user: user)
        let old = try await store.current(secretName: name)?.password
        let client = try await admin.connect(db)
        do {
            try await rotate(db, user: user, secret: name, old: old, over: client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func rotate(_ db: Database, user: String, secret name: String, old: String?,
                        over client: RedisAdminClient) async throws {
        let new = ManagedPasswordGenerator.generate()
        let secrets = [new] + (old.map { [$0] } ?? []) + (leftovers[name] ?? [])
        let existing = try await client.send(["ACL", "GETUSER", user])
        if let refusal = existing.errorText { throw RedisAdminError.refused(refusal) }
        guard existing != .null else {
            throw RotationError("ACL user \(quoted(user)) does not exist on \(quoted(db.name)); create it with the "
                + "permissions it should have (ACL SETUSER \(user) on ~* +@all) before Postern manages its password")
        }
        // A user Postern has never managed gives up any password set outside Postern.
        try await setUser(client, user, (old == nil ? ["resetpass"] : []) + [">" + new], secrets: secrets)
        do {
            let kms = db.aws.secretStore.kmsKeyID
            try await store.store(new, secretName: name, kmsKeyID: kms.isEmpty ? nil : kms,
                                  description: "Password of Redis ACL user \(user) on \(db.name), rotated by Postern")
        } catch {
            // The store may have taken it even so (an answer lost on the way back): keep the new
            // password only if it is the stored one.
            if (try? await store.current(secretName: name))?.password != new {
                try? await setUser(client, user, ["<" + new], secrets: secrets)
            }
            throw RotationError("cannot store the new password of \(quoted(user)) in Secrets Manager (secret \(name)); "
                + "the old one stays in use: \(error)")
        }
        var remove = leftovers[name] ?? []
        if let old, old != new { remove.append(old) }
        guard !remove.isEmpty else { return }
        if settings.oldPasswordGrace > .zero { try? await Task.sleep(for: settings.oldPasswordGrace) }
        var failed: [String] = []
        for password in remove {
            do {
                try await setUser(client, user, ["<" + password], secrets: secrets)
            } catch RedisAdminError.refused(let text) where text.contains("does not exist") {
                // Gone already (a server restart reloads its config): nothing to remove.
            } catch {
                failed.append(password)
            }
        }
        leftovers[name] = failed.isEmpty ? nil : failed
    }

    /// `ACL SETUSER user rules…`; Redis echoes a rejected rule (with its password) in the error,
    /// so every password is masked out of the text.
    private func setUser(_ client: RedisAdminClient, _ user: String, _ rules: [String], secrets: [String]) async throws {
        let reply = try await client.send(["ACL", "SETUSER", user] + rules)
        guard case .simpleString("OK") = reply else {
            var text = reply.errorText ?? "unexpected reply"
            for secret in secrets where !secret.isEmpty {
                text = text.replacingOccurrences(of: secret, with: "<redacted>")
            }
            throw RedisAdminError.refused(text)
        }
    }
}

/// A rotation that did not complete; says what state the user is left in.
public struct RotationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Managed users' passwords: 32 random bytes from the system's CSPRNG, as 64 hex digits (no
/// character Redis rules or shells treat specially).
public enum ManagedPasswordGenerator {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
