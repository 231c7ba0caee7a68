import Foundation
import PosternCore

/// A database's configured password, read where its config points (a file or an environment
/// variable), the same way for every engine. Errors name the database and the file or variable,
/// never the password.
public enum UpstreamPassword {
    public static func login(for route: Route, source: SecretSource, environment: [String: String]) throws -> UpstreamLogin {
        UpstreamLogin(user: route.dbUser, password: try read(source, database: route.database.name, environment: environment))
    }

    public static func read(_ source: SecretSource, database db: String, environment: [String: String]) throws -> String {
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw UpstreamCredentialError("the password of \(quoted(db)) is not set (environment variable \(name) is empty)")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UpstreamCredentialError("cannot read the password file of \(quoted(db)): \(path)")
            }
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            guard !text.isEmpty else { throw UpstreamCredentialError("the password file of \(quoted(db)) is empty: \(path)") }
            return text
        }
    }
}
