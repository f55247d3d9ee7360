//! The engine is read-only towards the host. SQLite can write files on its own — `ATTACH
//! 'x.db'` creates a database, `VACUUM INTO 'y.db'` writes one, a URI filename can open any
//! path — and a query comes from whoever can reach `kubequery query` or an osquery
//! distributed query. So the connection is opened without URI filenames, may attach no
//! database, and an authorizer lets through only what reading needs: SELECT, reading
//! columns, functions, recursive CTEs and read-only PRAGMAs.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags};

/// PRAGMAs that only report (schema introspection); their argument, if any, names what to
/// report on (`pragma_table_info('kubernetes_pods')`). Every other PRAGMA is refused.
const READ_ONLY_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "function_list",
    "module_list",
    "pragma_list",
    "database_list",
    "collation_list",
    "compile_options",
];

/// An in-memory connection with URI filenames off.
pub(super) fn open() -> rusqlite::Result<Connection> {
    Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Once the tables are registered: no attached databases, and the read-only authorizer.
pub(super) fn lock(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.authorizer(Some(authorize))
}

fn authorize(context: AuthContext<'_>) -> Authorization {
    match context.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Function { .. } | AuthAction::Recursive => {
            Authorization::Allow
        }
        AuthAction::Pragma { pragma_name, .. }
            if READ_ONLY_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) =>
        {
            Authorization::Allow
        }
        _ => Authorization::Deny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_works_and_writing_files_does_not() {
        let dir = std::env::temp_dir().join(format!("kubequery-read-only-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let mut conn = open().expect("open");
        lock(&mut conn).expect("lock");
        let one: i64 = conn.query_row("SELECT 1 + 0", [], |r| r.get(0)).expect("select");
        assert_eq!(one, 1);
        conn.query_row("SELECT count(*) FROM json_each('[1,2]')", [], |r| r.get::<_, i64>(0)).expect("json_each");
        let attach = dir.join("x.db");
        let vacuum = dir.join("y.db");
        for sql in [
            format!("ATTACH '{}' AS x", attach.display()),
            format!("ATTACH 'file:{}?mode=rwc' AS x", attach.display()),
            format!("VACUUM INTO '{}'", vacuum.display()),
            "CREATE TABLE t(a)".to_string(),
            "CREATE TEMP VIEW v AS SELECT 1".to_string(),
            "PRAGMA writable_schema = 1".to_string(),
        ] {
            assert!(conn.execute_batch(&sql).is_err(), "{sql} must fail");
        }
        assert!(!attach.exists() && !vacuum.exists(), "no file was written");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
