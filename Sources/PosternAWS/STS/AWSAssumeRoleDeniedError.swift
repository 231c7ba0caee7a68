import Foundation

/// STS refused AssumeRole. Says who tried, which role, and the policies that would allow it, with
/// the real ARNs filled in (as Teleport's "Not authorized to perform sts:AssumeRole"
/// troubleshooting shows them).
public struct AWSAssumeRoleDeniedError: Error, Sendable, Equatable {
    public var roleARN: String
    public var externalID: String?
    /// The identity that asked, as STS reported it (`arn:aws:sts::…:assumed-role/NAME/SESSION`),
    /// or nil when it could not be learnt.
    public var callerARN: String?
    public var denial: AWSServiceError

    public init(roleARN: String, externalID: String?, callerARN: String?, denial: AWSServiceError) {
        self.roleARN = roleARN
        self.externalID = externalID
        self.callerARN = callerARN
        self.denial = denial
    }

    /// Learns the caller from the denial's message (`User: ARN is not authorized …`) or, failing
    /// that, from GetCallerIdentity with the same credentials.
    init(request: AWSAssumeRoleRequest, denial: AWSServiceError, sts: AWSSTS) async {
        var caller = Self.callerARN(inMessage: denial.message)
        if caller == nil {
            caller = try? await sts.getCallerIdentity().arn
        }
        self.init(roleARN: request.roleARN, externalID: request.externalID, callerARN: caller, denial: denial)
    }

    static func callerARN(inMessage message: String) -> String? {
        guard let start = message.range(of: "User: ") else { return nil }
        let rest = message[start.upperBound...]
        let arn = rest.prefix { !$0.isWhitespace }
        return arn.hasPrefix("arn:") ? String(arn) : nil
    }

    /// The IAM principal the trust policy must name: the role behind an assumed-role session,
    /// the user itself, or — when the caller is unknown — the role's account root.
    public var principalARN: String {
        guard let callerARN, let arn = AWSARN(callerARN) else {
            let role = AWSARN(roleARN)
            return "arn:\(role?.partition ?? "aws"):iam::\(role?.accountID ?? "ACCOUNT_ID"):root"
        }
        if arn.service == "sts", arn.resource.hasPrefix("assumed-role/") {
            let name = arn.resource.split(separator: "/").dropFirst().first.map(String.init) ?? ""
            return "arn:\(arn.partition):iam::\(arn.accountID):role/\(name)"
        }
        if arn.service == "iam" { return callerARN }
        return "arn:\(arn.partition):iam::\(arn.accountID):root"
    }

    public var trustPolicy: String {
        var statement = [
            #""Effect": "Allow""#,
            #""Principal": { "AWS": "\#(principalARN)" }"#,
            #""Action": "sts:AssumeRole""#,
        ]
        if let externalID, !externalID.isEmpty {
            statement.append(#""Condition": { "StringEquals": { "sts:ExternalId": "\#(Self.jsonEscaped(externalID))" } }"#)
        }
        return Self.policy(statement)
    }

    public var permissionPolicy: String {
        Self.policy([#""Effect": "Allow""#, #""Action": "sts:AssumeRole""#, #""Resource": "\#(roleARN)""#])
    }

    public var boundaryPolicy: String {
        Self.policy([#""Effect": "Allow""#, #""Action": "sts:AssumeRole""#, #""Resource": "*""#])
    }

    private static func policy(_ statement: [String]) -> String {
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      "
            + statement.joined(separator: ",\n      ") + "\n    }\n  ]\n}"
    }

    private static func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    private var roleName: String { roleARN.split(separator: "/").last.map(String.init) ?? roleARN }
    private var callerName: String { principalARN.split(separator: "/").last.map(String.init) ?? principalARN }
}

extension AWSAssumeRoleDeniedError: CustomStringConvertible, LocalizedError {
    public var description: String {
        let lines = [
            "not authorized to perform sts:AssumeRole on \(roleARN) as \(callerARN ?? "the current identity"): "
                + denial.description,
            "",
            "To allow \(principalARN) to assume \(roleARN):",
            "1. Trust policy on role \(roleName) (its trust relationships):",
            trustPolicy,
            "2. Permission policy on \(callerName):",
            permissionPolicy,
            "   (It can be left out when both are in the same account and the trust policy names the full ARN.)",
            "3. Only if \(callerName) has a permissions boundary, the boundary must allow it too:",
            boundaryPolicy,
            "Test the trust relationship as \(callerName): aws sts assume-role --role-arn \(roleARN) "
                + "--role-session-name test-trust-relationship"
                + ((externalID ?? "").isEmpty ? "" : " --external-id \(externalID ?? "")"),
        ]
        return lines.joined(separator: "\n")
    }

    public var errorDescription: String? { description }
}
