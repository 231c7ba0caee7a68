import Foundation
import PosternAWS
import PosternCore

/// IAM sign-in to ElastiCache (replication group or serverless cache) and MemoryDB: a fresh
/// token per upstream connection, signed for the db user, which is also the ACL user (ElastiCache
/// requires the user name and id to be equal).
public struct RedisIAMLogins: RedisLoginSource, UpstreamCredentialSource {
    public var aws: any DatabaseAWSCredentials
    /// The signing time (tests pin it).
    public var now: @Sendable () -> Date

    public init(aws: any DatabaseAWSCredentials, now: @escaping @Sendable () -> Date = { Date() }) {
        self.aws = aws
        self.now = now
    }

    public func login(for route: Route) async throws -> UpstreamLogin {
        let db = route.database
        let user = route.dbUser.isEmpty ? AccessChecker.defaultRedisUser : route.dbUser
        guard !db.aws.region.isEmpty else {
            throw UpstreamCredentialError("database \(quoted(db.name)) needs aws.region for IAM sign-in")
        }
        let credentials = try await aws.credentials(for: db)
        let region = db.aws.region
        let token: IAMAuthToken
        do {
            switch db.type {
            case .elastiCache:
                token = try IAMAuthTokens.elastiCache(cacheName: db.aws.elastiCache.replicationGroupID, userId: user,
                                                      region: region, credentials: credentials, date: now())
            case .elastiCacheServerless:
                token = try IAMAuthTokens.elastiCache(cacheName: db.aws.elastiCacheServerless.cacheName, userId: user,
                                                      region: region, serverless: true, credentials: credentials,
                                                      date: now())
            case .memoryDB:
                token = try IAMAuthTokens.memoryDB(clusterName: db.aws.memoryDB.clusterName, userId: user,
                                                   region: region, credentials: credentials, date: now())
            default:
                throw UpstreamCredentialError("database \(quoted(db.name)) (\(db.type.rawValue)) has no IAM sign-in "
                    + "for Redis; IAM works for ElastiCache and MemoryDB (configure auth: password or managed)")
            }
        } catch let error as UpstreamCredentialError {
            throw error
        } catch {
            throw UpstreamCredentialError("cannot sign an IAM token for \(quoted(db.name)): \(error)")
        }
        return UpstreamLogin(user: user, password: token.value)
    }
}
