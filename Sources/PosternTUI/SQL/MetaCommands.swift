import Foundation

/// psql's backslash commands the console understands, as catalog queries.
enum MetaCommands {
    static let help = "\\dt lists tables, \\d lists relations, \\d NAME describes one"

    /// The statement for a `\` command; nil with an error message when it is not one we know.
    static func statement(_ typed: String) -> Result<SQLStatement, MetaError> {
        let t = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = t.split(separator: " ", maxSplits: 1).map(String.init)
        let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ";")) : ""
        switch (parts.first ?? "", arg.isEmpty) {
        case ("\\dt", true): return .success(SQLStatement(typed: t, sql: relations(kinds: "'r','p'")))
        case ("\\d", true): return .success(SQLStatement(typed: t, sql: relations(kinds: "'r','p','v','m','S','f'")))
        case ("\\d", false), ("\\dt", false): return .success(SQLStatement(typed: t, sql: describe, params: [arg]))
        default: return .failure(MetaError(description: "unknown command \(parts.first ?? t): \(help)"))
        }
    }

    /// psql's `\dt`/`\d` listing: visible relations outside the system schemas.
    static func relations(kinds: String) -> String {
        """
        select n.nspname as "Schema", c.relname as "Name", \
        case c.relkind when 'r' then 'table' when 'p' then 'partitioned table' when 'v' then 'view' \
        when 'm' then 'materialized view' when 'S' then 'sequence' when 'f' then 'foreign table' end as "Type", \
        pg_catalog.pg_get_userbyid(c.relowner) as "Owner" \
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
        where c.relkind in (\(kinds)) and n.nspname <> 'pg_catalog' and n.nspname <> 'information_schema' \
        and n.nspname !~ '^pg_toast' and pg_catalog.pg_table_is_visible(c.oid) order by 1, 2
        """
    }

    /// psql's `\d NAME` columns: name, type, nullability, default. The name is a parameter.
    static let describe = """
        select a.attname as "Column", pg_catalog.format_type(a.atttypid, a.atttypmod) as "Type", \
        case when a.attnotnull then 'not null' else '' end as "Nullable", \
        pg_catalog.pg_get_expr(d.adbin, d.adrelid) as "Default" \
        from pg_catalog.pg_attribute a left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum \
        where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum
        """
}

struct MetaError: Error, Equatable {
    let description: String
}
