import ArgumentParser
import Foundation
import PosternAWS
import PosternCore

/// `postern db configure …`: help for setting up what Postern needs outside itself.
struct DBConfigure: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure", abstract: "Set-up help for database access.", subcommands: [DBConfigureAWS.self])
}

struct DBConfigureAWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws", abstract: "AWS set-up help.", subcommands: [DBConfigureAWSPrintIAM.self])
}

/// `postern db configure aws print-iam`: the IAM policies Postern's identity (and the roles
/// database users name) need, as Teleport's `teleport db configure aws print-iam` prints them.
struct DBConfigureAWSPrintIAM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-iam",
        abstract: "Print the IAM policies for the given database types (account id from sts:GetCallerIdentity when reachable)."
    )

    @Option(help: ArgumentHelp(
        "Comma-separated database types: \(IAMPolicyDatabaseType.allCases.map(\.rawValue).joined(separator: ",")).",
        valueName: "types"))
    var types: String

    @Option(help: "The IAM role (name or ARN) Postern runs as; db-user roles trust it. Default: the caller's role.")
    var role: String?

    @Flag(help: "Add the ElastiCache/MemoryDB managed-user statements (Secrets Manager prefix teleport/).")
    var managedUsers = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        do {
            let types = try Self.parseTypes(types)
            let caller = await lookUpCaller()
            let principal = role ?? caller.flatMap { IAMPolicies.principal(fromCallerARN: $0.arn) }
            let set = IAMPolicies.policySet(
                types: types, role: principal, accountID: caller?.account, managedUsers: managedUsers)
            switch format {
            case .json: print(Self.json(set, caller: caller).rendered(indent: 4))
            case .text: print(Self.text(set, caller: caller), terminator: "")
            }
        } catch let error as CLIError {
            throw Self.fail(error)
        }
    }

    static func parseTypes(_ text: String) throws -> [IAMPolicyDatabaseType] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CLIError("--types names no database type") }
        return try names.map { name in
            guard let type = IAMPolicyDatabaseType(rawValue: name) else {
                let known = IAMPolicyDatabaseType.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError("unknown database type \"\(name)\" in --types (known: \(known))")
            }
            return type
        }
    }

    /// `GetCallerIdentity` with the SDK chain, bounded in time; nil when AWS cannot be reached
    /// or no credentials are found (the placeholders stay, as in the reference).
    func lookUpCaller() async -> AWSCallerIdentity? {
        try? await AWSHTTPTransport.with { transport in
            let chain = aws.chain(transport: transport)
            var client = try AWSServiceClient(
                service: .sts, region: aws.resolvedRegion(chain), environment: ProcessEnvironment.current,
                credentials: chain, transport: transport)
            client.timeout = .seconds(5)
            client.maxAttempts = 1
            return try await AWSSTS(client: client).getCallerIdentity()
        }
    }

    static func json(_ set: IAMPolicySet, caller: AWSCallerIdentity?) -> OrderedJSON {
        let roles: [OrderedJSON] = set.databaseUserRoles.map { role in
            var members: [(String, OrderedJSON)] = [
                ("types", .array(role.types.map { .string($0.rawValue) })),
                ("role", .string(role.roleName)),
                ("trust_policy", role.trust.json),
            ]
            if let permission = role.permission { members.append(("permission_policy", permission.json)) }
            return .object(members)
        }
        return .object([
            ("account_id", .string(set.accountID)),
            ("account_source", .string(caller == nil ? "placeholder" : "sts:GetCallerIdentity")),
            ("principal", .string(set.principal)),
            ("identity_policy", set.identity.json),
            ("database_user_roles", .array(roles)),
        ])
    }

    static func text(_ set: IAMPolicySet, caller: AWSCallerIdentity?) -> String {
        var out = "# Identity policy: attach to \(set.principal)\n"
        if let caller {
            out += "# (account \(set.accountID) from sts:GetCallerIdentity, caller \(caller.arn))\n"
        } else {
            out += "# (AWS not reachable: replace \(IAMPolicies.accountPlaceholder) with your account id)\n"
        }
        out += set.identity.text + "\n"
        for role in set.databaseUserRoles {
            let types = role.types.map(\.rawValue).joined(separator: ",")
            out += "\n# \(types): trust policy of IAM role \(role.roleName) (database user role/\(role.roleName))\n"
            out += role.trust.text + "\n"
            if let permission = role.permission {
                out += "\n# \(types): permission policy of IAM role \(role.roleName)\n"
                out += permission.text + "\n"
            }
        }
        return out
    }
}
