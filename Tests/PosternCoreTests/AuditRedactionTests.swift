import PosternCore
import XCTest

final class AuditRedactionTests: XCTestCase {
    func check(_ sql: String, _ want: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(AuditRedaction.sql(sql), want, file: file, line: line)
    }

    func testPasswordClauseLiteralsAreMasked() {
        check("ALTER ROLE x PASSWORD 'y'", "ALTER ROLE x PASSWORD '***'")
        check("create user bob with login password 'hunter2' valid until '2030-01-01'",
              "create user bob with login password '***' valid until '2030-01-01'")
        check("ALTER USER x ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi'", "ALTER USER x ENCRYPTED PASSWORD '***'")
        check("ALTER ROLE x PASSWORD E'it\\'s'", "ALTER ROLE x PASSWORD '***'")
        check("ALTER ROLE x PASSWORD 'it''s' LOGIN", "ALTER ROLE x PASSWORD '***' LOGIN")
        check("ALTER ROLE x PASSWORD $$s3cret$$", "ALTER ROLE x PASSWORD '***'")
        check("ALTER ROLE x PASSWORD $q$a$$b$q$;", "ALTER ROLE x PASSWORD '***';")
        check("ALTER ROLE x PASSWORD U&'d\\0061t'", "ALTER ROLE x PASSWORD '***'")
        check("ALTER ROLE x PASSWORD /* c */\n 'y'", "ALTER ROLE x PASSWORD /* c */\n '***'")
        check("ALTER ROLE x PASSWORD NULL", "ALTER ROLE x PASSWORD NULL")
        check("CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', password 'pw')",
              "CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', password '***')")
        check("alter role a password 'one'; alter role b password 'two'",
              "alter role a password '***'; alter role b password '***'")
    }

    func testLookalikesAreLeftAlone() {
        let same = [
            "select 1",
            "select password from users where id = $1",
            "select \"password\" 'x'",                  // quoted identifier, not the keyword
            "select 1 -- password 'x'",                  // comment
            "select 'password' as x",                    // a literal that says password
            "select my_password 'x'",
            "select $1 from t where passwords = 'x'",
        ]
        for sql in same { check(sql, sql) }
    }

    func testConnectionStringsInLiteralsAreMasked() {
        check("select dblink_connect('host=db user=u password=s3cret dbname=app')",
              "select dblink_connect('host=db user=u password=*** dbname=app')")
        check("select dblink('postgresql://u:s3cret@db/app', 'select 1')",
              "select dblink('postgresql://u:***@db/app', 'select 1')")
        check("select dblink_connect('password=''a b'' host=x')", "select dblink_connect('password=*** host=x')")
        check("select 'http://example.com/x'", "select 'http://example.com/x'")
    }

    func testUnterminatedInputDoesNotTrap() {
        check("ALTER ROLE x PASSWORD 'y", "ALTER ROLE x PASSWORD '***'")
        check("ALTER ROLE x PASSWORD $$y", "ALTER ROLE x PASSWORD '***'")
        check("select /* password 'x'", "select /* password 'x'")
        check("password", "password")
    }

    func testRedisPasswordsAreMasked() {
        XCTAssertEqual(AuditRedaction.redisCommand(["AUTH", "pw"]), ["AUTH", "***"])
        XCTAssertEqual(AuditRedaction.redisCommand(["auth", "alice", "pw"]), ["auth", "alice", "***"])
        XCTAssertEqual(AuditRedaction.redisCommand(["HELLO", "3", "AUTH", "alice", "pw", "SETNAME", "c"]),
                       ["HELLO", "3", "AUTH", "alice", "***", "SETNAME", "c"])
        XCTAssertEqual(AuditRedaction.redisCommand(["HELLO", "3"]), ["HELLO", "3"])
        XCTAssertEqual(AuditRedaction.redisCommand(["MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "pw", "KEYS", "a"]),
                       ["MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "***", "KEYS", "a"])
        XCTAssertEqual(AuditRedaction.redisCommand(["MIGRATE", "h", "6379", "k", "0", "5000", "AUTH2", "u", "pw"]),
                       ["MIGRATE", "h", "6379", "k", "0", "5000", "AUTH2", "u", "***"])
        XCTAssertEqual(AuditRedaction.redisCommand(["CONFIG", "SET", "maxmemory", "1mb", "requirepass", "pw"]),
                       ["CONFIG", "SET", "maxmemory", "1mb", "requirepass", "***"])
        XCTAssertEqual(AuditRedaction.redisCommand(["ACL", "SETUSER", "bob", "on", ">pw", "#abc", "~*", "+get"]),
                       ["ACL", "SETUSER", "bob", "on", ">***", "#***", "~*", "+get"])
        XCTAssertEqual(AuditRedaction.redisCommand(["SENTINEL", "SET", "m", "auth-pass", "pw"]),
                       ["SENTINEL", "SET", "m", "auth-pass", "***"])
        XCTAssertEqual(AuditRedaction.redisCommand(["GET", "password"]), ["GET", "password"])
        XCTAssertEqual(AuditRedaction.redisCommand(["AUTH"]), ["AUTH"])
        XCTAssertEqual(AuditRedaction.redisCommand([]), [])
    }
}
