/// A Postern user as configured under `users:`; the login of the invoking process picks one.
public struct PosternUser: Sendable, Equatable, Codable {
    public var name: String
    public var roles: [String]
    public var traits: Traits

    public init(name: String, roles: [String], traits: Traits = [:]) {
        self.name = name
        self.roles = roles
        self.traits = traits
    }
}
