import Foundation
import XCTest

@testable import PosternAWS

/// `print-iam`'s documents against Teleport's "Database Access AWS IAM Reference" (a copy of
/// shared/reference/teleport-aws-iam-reference.txt in Fixtures): every identity policy,
/// managed-users policy, database-user role policy and trust policy is compared byte for byte
/// with the JSON block the reference prints under the section's heading.
final class IAMPolicyReferenceTests: XCTestCase {
    static func referenceLines() throws -> [String] {
        let url = try XCTUnwrap(
            Bundle.module.url(forResource: "teleport-aws-iam-reference", withExtension: "txt", subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    }

    /// The `n`th JSON block (0-based) after the line that is exactly `heading`: from a line `{`
    /// to the next line `}`, both at the start of the line.
    static func block(after heading: String, index n: Int = 0, in lines: [String]) throws -> String {
        let start = try XCTUnwrap(lines.firstIndex(of: heading), "no heading \(heading)")
        var found = -1
        var i = start + 1
        while i < lines.count {
            if lines[i] == "{" {
                found += 1
                let end = try XCTUnwrap(lines[i...].firstIndex(of: "}"), "unterminated block after \(heading)")
                if found == n { return lines[i...end].joined(separator: "\n") }
                i = end
            }
            i += 1
        }
        throw MissingBlock(heading: heading, index: n)
    }

    struct MissingBlock: Error {
        let heading: String
        let index: Int
    }

    static let sections: [(IAMPolicyDatabaseType, String)] = [
        (.docDB, "DocumentDB"), (.dynamoDB, "DynamoDB"), (.elastiCache, "ElastiCache for Redis"),
        (.keyspaces, "Keyspaces"), (.memoryDB, "MemoryDB"), (.openSearch, "OpenSearch"), (.rds, "RDS"),
        (.rdsProxy, "RDS Proxy"), (.redshift, "Redshift"), (.redshiftServerless, "Redshift Serverless"),
    ]

    func testEveryTypeIsInTheTable() {
        XCTAssertEqual(Set(Self.sections.map(\.0)), Set(IAMPolicyDatabaseType.allCases))
    }

    func testIdentityPoliciesEqualTheReference() throws {
        let lines = try Self.referenceLines()
        for (type, heading) in Self.sections {
            let expected = try Self.block(after: heading, in: lines)
            let set = IAMPolicies.policySet(types: [type])
            XCTAssertEqual(set.identity.text, expected, "identity policy of \(type.rawValue)")
            XCTAssertEqual(set.accountID, "aws-account-id")
        }
    }

    func testManagedUserPoliciesEqualTheReference() throws {
        let lines = try Self.referenceLines()
        for (type, heading) in [(IAMPolicyDatabaseType.elastiCache, "ElastiCache managed users"),
                                (.memoryDB, "MemoryDB managed users")] {
            let expected = try Self.block(after: heading, in: lines)
            let document = IAMPolicyDocument(statements: IAMPolicies.managedUserStatements(type))
            XCTAssertEqual(document.text, expected, "managed users of \(type.rawValue)")
            let set = IAMPolicies.policySet(types: [type], managedUsers: true)
            XCTAssertEqual(set.identity.statements,
                           IAMPolicies.identityStatements(type) + IAMPolicies.managedUserStatements(type))
        }
        XCTAssertTrue(IAMPolicies.managedUserStatements(.rds).isEmpty)
    }

    func testDatabaseUserRolePoliciesEqualTheReference() throws {
        let lines = try Self.referenceLines()
        for (type, heading) in [(IAMPolicyDatabaseType.redshift, "IAM role as a Redshift database user"),
                                (.redshiftServerless, "IAM role as a Redshift Serverless database user")] {
            let expected = try Self.block(after: heading, in: lines)
            let role = try XCTUnwrap(IAMPolicies.policySet(types: [type]).databaseUserRoles.first)
            XCTAssertEqual(role.permission?.text, expected, "database-user role policy of \(type.rawValue)")
        }
    }

    func testTrustPoliciesEqualTheReference() throws {
        let lines = try Self.referenceLines()
        // Each role section's first block is its trust policy, printed with two-space indentation.
        let cases: [(IAMPolicyDatabaseType, String, Int)] = [
            (.docDB, "IAM role as a DocumentDB database user", 0),
            (.dynamoDB, "IAM role as a DynamoDB database user", 0),
            (.keyspaces, "IAM role as a Keyspaces database user", 0),
            (.openSearch, "IAM role as an OpenSearch database user", 0),
            (.redshift, "IAM role as a Redshift database user", 1),
            (.redshiftServerless, "IAM role as a Redshift Serverless database user", 1),
        ]
        for (type, heading, index) in cases {
            let expected = try Self.block(after: heading, index: index, in: lines)
            let set = IAMPolicies.policySet(types: [type])
            let role = try XCTUnwrap(set.databaseUserRoles.first)
            XCTAssertEqual(role.roleName, IAMPolicies.databaseUserRoleName(type))
            XCTAssertEqual(role.trust.json.rendered(indent: 2), expected, "trust policy of \(type.rawValue)")
        }
        for type in [IAMPolicyDatabaseType.rds, .rdsProxy, .elastiCache, .memoryDB] {
            XCTAssertTrue(IAMPolicies.policySet(types: [type]).databaseUserRoles.isEmpty)
        }
    }

    func testAccountRoleAndMergingAcrossTypes() throws {
        let set = IAMPolicies.policySet(types: [.rds, .redshift, .rds, .elastiCache], role: "postern-bastion",
                                        accountID: "123456789012", managedUsers: true)
        XCTAssertEqual(set.identity.statements.compactMap(\.sid), [
            "RDSAutoEnableIAMAuth", "RDSConnect", "RDSFetchMetadata",
            "RedshiftConnectAsDBUser", "RedshiftConnectAsIAMRole", "RedshiftFetchMetadata",
            "ElastiCacheDescribeUsers", "ElastiCacheConnect", "ElastiCacheManageUsers", "ElastiCacheManagePasswords",
        ])
        XCTAssertFalse(set.identity.text.contains("aws-account-id"))
        XCTAssertEqual(set.identity.statements[4].resource, .list(["arn:aws:iam::123456789012:role/redshift-user-role"]))
        XCTAssertEqual(set.identity.statements[9].resource,
                       .list(["arn:aws:secretsmanager:*:123456789012:secret:teleport/*"]))
        XCTAssertEqual(set.principal, "arn:aws:iam::123456789012:role/postern-bastion")
        XCTAssertEqual(set.databaseUserRoles.map(\.roleName), ["redshift-user-role"])
        XCTAssertEqual(set.databaseUserRoles[0].trust.statements[0].principalAWS, set.principal)
        XCTAssertEqual(set.databaseUserRoles[0].permission?.statements[0].resource, .one("*"))

        let byARN = IAMPolicies.policySet(types: [.redshiftServerless],
                                          role: "arn:aws:iam::999999999999:role/other", accountID: "123456789012")
        XCTAssertEqual(byARN.principal, "arn:aws:iam::999999999999:role/other")
        XCTAssertEqual(byARN.databaseUserRoles[0].permission?.statements[0].resource,
                       .one("arn:aws:redshift-serverless:us-east-2:123456789012:workgroup/workgroup-id"))
    }

    func testPrincipalFromCallerARN() {
        XCTAssertEqual(IAMPolicies.principal(fromCallerARN: "arn:aws:sts::123456789012:assumed-role/db-svc/i-0abc"),
                       "arn:aws:iam::123456789012:role/db-svc")
        XCTAssertEqual(IAMPolicies.principal(fromCallerARN: "arn:aws:iam::123456789012:user/alice"),
                       "arn:aws:iam::123456789012:user/alice")
        XCTAssertEqual(IAMPolicies.principal(fromCallerARN: "arn:aws-cn:sts::1:assumed-role/r/s"),
                       "arn:aws-cn:iam::1:role/r")
        XCTAssertNil(IAMPolicies.principal(fromCallerARN: "arn:aws:iam::123456789012:root"))
        XCTAssertNil(IAMPolicies.principal(fromCallerARN: "nonsense"))
    }

    func testJSONEscaping() {
        XCTAssertEqual(OrderedJSON.string("a\"b\\c/d\n\u{1}").rendered(), "\"a\\\"b\\\\c/d\\n\\u0001\"")
        XCTAssertEqual(OrderedJSON.object([]).rendered(), "{}")
        XCTAssertEqual(OrderedJSON.array([]).rendered(), "[]")
    }
}
