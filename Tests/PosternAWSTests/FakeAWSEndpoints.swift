import Foundation

@testable import PosternAWS

/// Fake IMDS, ECS and STS answers for credential-chain tests, all from one loopback server.
/// Keys say where they came from (`AKIDIMDS`, `ASIADBUSER`), so tests can tell providers apart.
struct FakeAWSEndpoints: Sendable {
    var imdsRole: String? = "web-role"
    var imdsV2 = true
    var ecsPath = "/v2/credentials/task"
    var ecsToken: String?
    var webIdentityToken = "eyJ.web-identity.token"
    static let expiry = Date().addingTimeInterval(3600)

    static func credentialsJSON(key: String, expires: Date = expiry) -> String {
        """
        {"Code":"Success","AccessKeyId":"\(key)","SecretAccessKey":"secret/\(key)+x",
         "Token":"token/\(key)+==","Expiration":"\(AMZDate(expires).iso8601)"}
        """
    }

    static func roleKey(_ roleARN: String) -> String {
        "ASIA" + (roleARN.split(separator: "/").last ?? "").uppercased().filter { $0.isLetter || $0.isNumber }
    }

    func handle(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        switch (request.method, request.path) {
        case ("PUT", "/latest/api/token"):
            guard imdsV2 else { return LoopbackHTTPResponse(status: 405) }
            guard request.header("x-aws-ec2-metadata-token-ttl-seconds") == "21600" else {
                return LoopbackHTTPResponse(status: 400)
            }
            return LoopbackHTTPResponse(status: 200, body: "imds-session-token")
        case ("GET", "/latest/meta-data/iam/security-credentials/"):
            guard authorizedForIMDS(request) else { return LoopbackHTTPResponse(status: 401) }
            guard let imdsRole else { return LoopbackHTTPResponse(status: 404) }
            return LoopbackHTTPResponse(status: 200, body: imdsRole + "\n")
        case ("GET", "/latest/meta-data/iam/security-credentials/" + (imdsRole ?? "-")):
            guard authorizedForIMDS(request) else { return LoopbackHTTPResponse(status: 401) }
            return LoopbackHTTPResponse(status: 200, body: Self.credentialsJSON(key: "AKIDIMDS"))
        case ("GET", ecsPath):
            if let ecsToken, request.header("authorization") != ecsToken {
                return LoopbackHTTPResponse(status: 401, body: "bad token")
            }
            return LoopbackHTTPResponse(status: 200, body: Self.credentialsJSON(key: "AKIDECS"))
        case ("POST", "/"):
            return sts(request)
        default:
            return LoopbackHTTPResponse(status: 404)
        }
    }

    private func authorizedForIMDS(_ request: LoopbackHTTPRequest) -> Bool {
        !imdsV2 || request.header("x-aws-ec2-metadata-token") == "imds-session-token"
    }

    private func sts(_ request: LoopbackHTTPRequest) -> LoopbackHTTPResponse {
        let form = request.form
        switch form["Action"] {
        case "AssumeRole":
            let role = form["RoleArn"] ?? ""
            guard request.signingAccessKey != nil else { return Self.error(403, "MissingAuthenticationToken", "unsigned") }
            if role.contains("denied") {
                return Self.error(
                    403, "AccessDenied",
                    "User: \(Self.arn(forKey: request.signingAccessKey ?? "")) is not authorized to perform: "
                        + "sts:AssumeRole on resource: \(role)")
            }
            return Self.assumed(
                action: "AssumeRole", key: Self.roleKey(role), role: role, session: form["RoleSessionName"] ?? "")
        case "AssumeRoleWithWebIdentity":
            guard request.header("authorization") == nil, form["WebIdentityToken"] == webIdentityToken else {
                return Self.error(400, "InvalidIdentityToken", "token \(form["WebIdentityToken"] ?? "") rejected")
            }
            let role = form["RoleArn"] ?? ""
            return Self.assumed(
                action: "AssumeRoleWithWebIdentity", key: "ASIAWEB", role: role, session: form["RoleSessionName"] ?? "")
        case "GetCallerIdentity":
            let arn = Self.arn(forKey: request.signingAccessKey ?? "")
            return LoopbackHTTPResponse(
                status: 200,
                body: "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>\(arn)</Arn><UserId>U</UserId>"
                    + "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>")
        default:
            return Self.error(400, "InvalidAction", "unknown action")
        }
    }

    static func arn(forKey key: String) -> String {
        key.hasPrefix("ASIA")
            ? "arn:aws:sts::123456789012:assumed-role/\(key.dropFirst(4).lowercased())/postern"
            : "arn:aws:iam::123456789012:user/\(key.lowercased())"
    }

    static func assumed(action: String, key: String, role: String, session: String) -> LoopbackHTTPResponse {
        let name = role.split(separator: "/").last ?? ""
        return LoopbackHTTPResponse(
            status: 200,
            body: """
                <\(action)Response><\(action)Result><Credentials><AccessKeyId>\(key)</AccessKeyId>
                <SecretAccessKey>secret/\(key)+x</SecretAccessKey><SessionToken>token/\(key)+==</SessionToken>
                <Expiration>\(AMZDate(expiry).iso8601)</Expiration></Credentials>
                <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/\(name)/\(session)</Arn>
                <AssumedRoleId>AROA:\(session)</AssumedRoleId></AssumedRoleUser></\(action)Result></\(action)Response>
                """)
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> LoopbackHTTPResponse {
        LoopbackHTTPResponse(
            status: status,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error>"
                + "<RequestId>req-1</RequestId></ErrorResponse>")
    }
}
