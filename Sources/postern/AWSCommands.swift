import ArgumentParser
import Foundation
import PosternAWS
import PosternCore

/// `postern aws …`: AWS identity and IAM debugging.
struct AWS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "AWS identity and IAM: who Postern is, and the tokens it signs.",
        // Add further `aws` subcommands here.
        subcommands: [
            AWSWhoami.self,
            AWSToken.self,
        ]
    )
}

/// Options shared by `aws` subcommands that need credentials.
struct AWSOptions: ParsableArguments {
    @Option(help: "Use this profile of the shared AWS files (turns environment keys off, as the SDKs do).")
    var profile: String?

    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).")
    var region: String?

    /// The process environment, with `--region` as `AWS_REGION` so it wins everywhere.
    var environment: [String: String] {
        var environment = ProcessEnvironment.current
        if let region { environment["AWS_REGION"] = region }
        return environment
    }

    /// The SDK chain over the process environment and real files.
    func chain(transport: any AWSTransport) -> AWSCredentialChain {
        AWSCredentialChain(environment: environment, transport: transport, profile: profile)
    }

    func resolvedRegion(_ chain: AWSCredentialChain) -> String {
        chain.region ?? "us-east-1"
    }

    /// `aws token` and `aws whoami` are not for operators of a bastion: the service holds the
    /// credentials, and a token minted outside it would skip RBAC and the audit.
    func validate() throws {
        try BastionMode.refuseAWS("postern aws (token, whoami)")
    }
}

struct AWSWhoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show the AWS identity Postern signs as (STS GetCallerIdentity) and which provider supplied it."
    )

    @OptionGroup var aws: AWSOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Report: Encodable {
        var arn: String
        var account: String
        var userId: String
        var provider: String
        var source: String
        var profile: String
        var region: String
        var stsEndpoint: String
    }

    func run() async throws {
        do {
            let report = try await AWSHTTPTransport.with { transport in
                let chain = aws.chain(transport: transport)
                let region = aws.resolvedRegion(chain)
                let resolved = try await chain.resolve()
                let sts = try AWSSTS(
                    region: region, environment: aws.environment,
                    credentials: StaticCredentialsProvider(resolved.credentials), transport: transport)
                let identity = try await sts.getCallerIdentity()
                return Report(
                    arn: identity.arn, account: identity.account, userId: identity.userID,
                    provider: resolved.source.provider.rawValue, source: resolved.source.description,
                    profile: chain.profileName, region: region, stsEndpoint: sts.client.endpoint.url)
            }
            switch format {
            case .json:
                print(try JSONOutput.encode(report))
            case .text:
                let rows = [
                    ("ARN", report.arn), ("Account", report.account), ("User ID", report.userId),
                    ("Provider", report.source), ("Profile", report.profile), ("Region", report.region),
                    ("STS", report.stsEndpoint),
                ]
                for (label, value) in rows {
                    print((label + ":").padding(toLength: 11, withPad: " ", startingAt: 0) + TextSanitizer.escape(value))
                }
            }
        } catch let error as CLIError {
            throw Self.fail(error)
        } catch {
            throw Self.failLines(String(describing: error))
        }
    }
}

extension ParsableCommand {
    /// Like `fail`, for messages of several lines (each sanitised, none merged).
    static func failLines(_ message: String) -> ExitCode {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.enumerated().map { index, line in
            (index == 0 ? "postern: " : "") + TextSanitizer.escape(String(line))
        }
        StandardError.write(text.joined(separator: "\n") + "\n")
        return ExitCode(1)
    }
}
