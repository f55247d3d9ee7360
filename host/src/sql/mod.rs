//! The embedded SQL engine: SQLite with one virtual table per loaded table component.
//!
//! Tables are eponymous virtual tables, so `SELECT … FROM kubernetes_pods` works without any
//! `CREATE VIRTUAL TABLE`, and `pragma_table_info` reports each table's osquery types.
//! A scan pulls pages from the source lazily: the rows of one page reach SQLite before the
//! next page is converted. When a statement scans the same table again (the inner side of a
//! join), the rows of that table are kept for the rest of the statement and looked up through
//! a hash index on the join's equality constraints, so a join costs one scan per table. When
//! several tables of a statement read the same input (pods and pod_containers), it is
//! fetched once and shared.

mod generic;
mod lexer;
mod planner;
mod read_only;
mod statements;
mod suggest;
mod vtab;

pub use generic::GenericTables;
pub use suggest::closest;

use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::sources::DataSource;
use crate::wasm::TableComponent;

/// Receives the results of the statements of one query.
pub trait ResultSink {
    /// A statement with result columns starts.
    fn begin(&mut self, columns: &[String]) -> std::io::Result<()>;
    fn row(&mut self, values: &[Value]) -> std::io::Result<()>;
    /// The statement's results are complete.
    fn end(&mut self) -> std::io::Result<()>;
}

/// An SQLite connection serving a set of tables from one data source.
pub struct Engine {
    conn: Connection,
    planner: Arc<planner::Planner>,
    /// Table and column names, for "did you mean …" in errors.
    names: std::sync::Mutex<suggest::Names>,
    /// The typed tables, and the generic resource tables once served.
    tables: Vec<Arc<TableComponent>>,
    source: Arc<dyn DataSource>,
    generic: Option<generic::GenericTables>,
    /// Generic tables registered so far.
    registered: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Whether every generic table's name is among `names`, for "did you mean …" (added the
    /// first time a statement names one that does not exist).
    generic_names_known: std::sync::atomic::AtomicBool,
}

/// Table-valued functions SQLite provides without listing them in `pragma_module_list`.
const SQLITE_TABLE_FUNCTIONS: &[&str] =
    &["json_each", "json_tree", "jsonb_each", "jsonb_tree", "generate_series", "carray"];

/// Why no table may be called `name`, if that is so: SQLite's own modules (a table named
/// `json_each` would replace the JSON function every query may use), the `pragma_` tables
/// and the `sqlite_` names SQLite reserves.
pub fn reserved_name(name: &str) -> Option<&'static str> {
    static MODULES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    if name.starts_with("sqlite_") || name.starts_with("pragma_") {
        return Some("reserved by SQLite (sqlite_*, pragma_*)");
    }
    let modules = MODULES.get_or_init(|| {
        let listed: rusqlite::Result<Vec<String>> = Connection::open_in_memory().and_then(|conn| {
            let mut stmt = conn.prepare("SELECT name FROM pragma_module_list")?;
            stmt.query_map([], |row| row.get(0))?.collect()
        });
        let mut modules = listed.unwrap_or_default();
        modules.extend(SQLITE_TABLE_FUNCTIONS.iter().map(std::string::ToString::to_string));
        modules
    });
    modules.iter().any(|m| m == name).then_some("one of SQLite's own tables or table functions")
}

/// Bytes of rows one statement may keep for its joins, by default: far more than any join
/// of a large cluster's tables needs once projected, far less than the machine.
pub const MAX_KEPT_BYTES: usize = 4 << 30;

impl Engine {
    /// An in-memory SQLite connection serving `tables`, read-only towards the host: no file
    /// can be attached, vacuumed into or created, and no statement may write (see
    /// `read_only.rs`).
    pub fn new(tables: &[Arc<TableComponent>], source: Arc<dyn DataSource>) -> rusqlite::Result<Self> {
        let mut conn = read_only::open()?;
        let planner = Arc::new(planner::Planner::new(source.clone(), tables));
        let mut names = suggest::Names::default();
        for table in tables {
            vtab::register(&conn, table.clone(), planner.clone())?;
            names.add(&table.schema.name, table.schema.columns.iter().map(|c| c.name.clone()));
        }
        read_only::lock(&mut conn)?;
        Ok(Engine {
            conn,
            planner,
            names: std::sync::Mutex::new(names),
            tables: tables.to_vec(),
            source,
            generic: None,
            registered: std::sync::Mutex::default(),
            generic_names_known: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Serves a generic resource table (`k8s_…`, docs/generic-tables.md) for every resource
    /// the source has that no table of this engine reads, with `template`'s component (the
    /// catalog's `generic()`).
    pub fn serve_generic_tables(&mut self, template: Arc<TableComponent>) {
        self.generic = Some(generic::GenericTables::new(template, self.source.clone(), &self.tables));
    }

    /// The names of the generic tables the source's resources make (discovering them on a
    /// live cluster the first time); none when the engine serves no generic tables.
    pub fn generic_table_names(&self) -> Vec<String> {
        self.generic.as_ref().map(generic::GenericTables::names).unwrap_or_default()
    }

    /// The generic table called `name`, if the source serves its resource and no table of
    /// this engine reads it (for its schema; a statement naming it registers it).
    pub fn generic_table(&self, name: &str) -> Option<Arc<TableComponent>> {
        self.generic.as_ref()?.table(name)
    }

    /// Registers the generic tables `sql` names that are not registered yet.
    fn register_generic_tables(&self, sql: &str) {
        let Some(generic) = &self.generic else { return };
        let mut registered = self.registered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for name in generic::GenericTables::names_in(sql) {
            if registered.contains(&name) || self.tables.iter().any(|t| t.schema.name == name) {
                continue;
            }
            let Some(table) = generic.table(&name) else {
                if !self.generic_names_known.swap(true, std::sync::atomic::Ordering::Relaxed) {
                    let mut names = self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    for known in generic.names() {
                        names.add(&known, std::iter::empty());
                    }
                }
                continue;
            };
            match vtab::register(&self.conn, table.clone(), self.planner.clone()) {
                Ok(()) => {
                    self.planner.add_table(table.clone());
                    let columns = table.schema.columns.iter().map(|c| c.name.clone());
                    self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add(&name, columns);
                    registered.insert(name);
                }
                Err(e) => tracing::warn!("cannot serve the generic table {name}: {e}"),
            }
        }
    }

    /// Changes how many bytes of rows one statement may keep for its joins.
    pub fn set_max_kept_bytes(&self, bytes: usize) {
        self.planner.max_kept_bytes.store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes how many bytes of namespaces (16 MiB by default) a statement keeps for its
    /// joins' inner sides before it drops the namespace read least recently.
    pub fn set_namespace_window_bytes(&self, bytes: usize) {
        self.planner.namespace_window_bytes.store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes how many stores convert one streamed scan's pages at once (each on a thread of
    /// its own; one per core, up to four, by default). 1 converts on one store.
    pub fn set_conversion_workers(&self, workers: usize) {
        self.planner.conversion_workers.store(workers.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs every statement of `sql`, sending results to `sink`. A failing statement does
    /// not stop the ones after it; the errors are returned, each with its statement number.
    pub fn run(&self, sql: &str, sink: &mut dyn ResultSink) -> Vec<QueryError> {
        self.register_generic_tables(sql);
        let mut errors = Vec::new();
        for (index, text) in statements::split(sql).into_iter().enumerate() {
            let number = index + 1;
            // Cleared before SQLite plans the statement, during which tables note what they read.
            self.planner.begin_statement();
            let mut stmt = match self.conn.prepare(text) {
                Ok(stmt) => stmt,
                Err(e) => {
                    // Reported; the statements after it still run.
                    errors.push(QueryError { statement: number, message: self.describe(&e) });
                    continue;
                }
            };
            if let Err(error) = run_statement(&mut stmt, sink) {
                let message = match error {
                    StatementError::Sqlite(e) => self.describe(&e),
                    StatementError::Output(message) => message,
                };
                errors.push(QueryError { statement: number, message });
            }
        }
        self.planner.begin_statement();
        errors
    }

    /// An SQLite error as the user should read it.
    fn describe(&self, error: &rusqlite::Error) -> String {
        if error.sqlite_error_code() == Some(rusqlite::ErrorCode::AuthorizationForStatementDenied) {
            return "not authorized: kubequery's SQL is read-only (SELECT and read-only PRAGMAs; no ATTACH, \
                    VACUUM, CREATE, INSERT or setting PRAGMAs)"
                .to_string();
        }
        let message = error.to_string();
        // `k8s_pods`: no generic table, because a typed one reads pods.
        if let Some(generic) = &self.generic
            && let Some(name) = message.strip_prefix("no such table: ").and_then(|rest| rest.split_whitespace().next())
            && let Some(typed) = generic.typed_table_for(name.rsplit('.').next().unwrap_or(name))
        {
            return format!("no such table: {name}; its resource is read by the typed table {typed}");
        }
        self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner).explain(&message)
    }

    /// The underlying connection, for callers that need plain SQLite access.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Why a statement stopped: SQLite, or the sink the rows went to.
enum StatementError {
    Sqlite(rusqlite::Error),
    Output(String),
}

fn run_statement(stmt: &mut rusqlite::Statement<'_>, sink: &mut dyn ResultSink) -> Result<(), StatementError> {
    let output = |e: std::io::Error| StatementError::Output(e.to_string());
    let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let width = columns.len();
    if width > 0 {
        sink.begin(&columns).map_err(output)?;
    }
    let mut rows = stmt.raw_query();
    let mut values = Vec::with_capacity(width);
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                values.clear();
                for i in 0..width {
                    values.push(row.get::<_, Value>(i).map_err(StatementError::Sqlite)?);
                }
                sink.row(&values).map_err(output)?;
            }
            Ok(None) => break,
            Err(e) => {
                if width > 0 {
                    sink.end().map_err(output)?;
                }
                return Err(StatementError::Sqlite(e));
            }
        }
    }
    if width > 0 {
        sink.end().map_err(output)?;
    }
    Ok(())
}

/// A statement that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based position of the statement in the query text.
    pub statement: usize,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "statement {}: {}", self.statement, self.message)
    }
}
