/// An IAM `Action` or `Resource` value: one string, or a list (even of one), kept in the form
/// the reference documents use so printed policies read exactly like them.
public enum IAMPolicyValue: Sendable, Equatable {
    case one(String)
    case list([String])

    public var values: [String] {
        switch self {
        case .one(let value): return [value]
        case .list(let values): return values
        }
    }

    var json: OrderedJSON {
        switch self {
        case .one(let value): return .string(value)
        case .list(let values): return .array(values.map(OrderedJSON.string))
        }
    }

    func replacingAccount(_ accountID: String) -> IAMPolicyValue {
        switch self {
        case .one(let value): return .one(IAMPolicies.fillAccount(value, accountID))
        case .list(let values): return .list(values.map { IAMPolicies.fillAccount($0, accountID) })
        }
    }
}

/// One `Statement` entry. Identity statements carry a `Sid` and `Resource`; trust statements a
/// `Principal` instead.
public struct IAMPolicyStatement: Sendable, Equatable {
    public var sid: String?
    public var effect: String
    /// `Principal: {"AWS": …}` for trust policies.
    public var principalAWS: String?
    public var action: IAMPolicyValue
    public var resource: IAMPolicyValue?

    public init(sid: String? = nil, effect: String = "Allow", principalAWS: String? = nil,
                action: IAMPolicyValue, resource: IAMPolicyValue? = nil) {
        self.sid = sid
        self.effect = effect
        self.principalAWS = principalAWS
        self.action = action
        self.resource = resource
    }

    /// Keys in the reference's order: `Sid, Effect, Action, Resource`, or `Effect, Principal, Action`.
    public var json: OrderedJSON {
        var members: [(String, OrderedJSON)] = []
        if let sid { members.append(("Sid", .string(sid))) }
        members.append(("Effect", .string(effect)))
        if let principalAWS { members.append(("Principal", .object([("AWS", .string(principalAWS))]))) }
        members.append(("Action", action.json))
        if let resource { members.append(("Resource", resource.json)) }
        return .object(members)
    }
}

/// A policy document, `Version` 2012-10-17.
public struct IAMPolicyDocument: Sendable, Equatable {
    public static let version = "2012-10-17"
    public var statements: [IAMPolicyStatement]

    public init(statements: [IAMPolicyStatement]) {
        self.statements = statements
    }

    public var json: OrderedJSON {
        .object([("Version", .string(Self.version)), ("Statement", .array(statements.map(\.json)))])
    }

    /// The document as the reference prints it: four-space indentation.
    public var text: String { json.rendered(indent: 4) }
}
