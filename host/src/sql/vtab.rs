//! The SQLite virtual table behind every kubequery table: registration, the declaration of
//! its columns, and a cursor over the rows the [`Planner`] gives each scan.

use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::sync::Arc;

use rusqlite::vtab::{
    Context, Filters, IndexInfo, Module, VTab, VTabConnection, VTabCursor, sqlite3_vtab, sqlite3_vtab_cursor,
};
use rusqlite::{Connection, types::Null};

use super::planner::{self, Constraints, Planner, ScanRows, module_error};
use crate::schema::{CellRef, TableSchema};
use crate::wasm::TableComponent;

type Aux = (Arc<TableComponent>, Arc<Planner>);

/// Registers `table` on `conn` as an eponymous virtual table whose scans `planner` plans.
pub(crate) fn register(conn: &Connection, table: Arc<TableComponent>, planner: Arc<Planner>) -> rusqlite::Result<()> {
    const MODULE: Module<'static, KubeTable> = Module::eponymous_only_module();
    let name = table.schema.name.clone();
    conn.create_module(name.as_str(), &MODULE, Some((table, planner)))
}

/// The `CREATE TABLE` statement that declares a table's columns and osquery types to SQLite.
fn declaration(schema: &TableSchema) -> String {
    let columns: Vec<String> = schema
        .columns
        .iter()
        .map(|c| format!("\"{}\" {}{}", c.name, c.ty.sql_name(), if c.options.hidden { " HIDDEN" } else { "" }))
        .collect();
    format!("CREATE TABLE x({})", columns.join(", "))
}

#[repr(C)]
pub(crate) struct KubeTable {
    base: sqlite3_vtab,
    table: Arc<TableComponent>,
    planner: Arc<Planner>,
}

// SAFETY: `KubeTable` is `#[repr(C)]` with the `sqlite3_vtab` SQLite expects as its first
// field, which is what rusqlite's `VTab` contract asks for.
unsafe impl<'vtab> VTab<'vtab> for KubeTable {
    type Aux = Aux;
    type Cursor = KubeCursor<'vtab>;

    fn connect(
        _db: &mut VTabConnection,
        aux: Option<&Aux>,
        _module: &[u8],
        _database: &[u8],
        _table: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let (table, planner) = aux.ok_or_else(|| module_error("kubequery table registered without its component"))?;
        let sql = CString::new(declaration(&table.schema)).map_err(module_error)?;
        Ok((
            Cow::Owned(sql),
            KubeTable { base: sqlite3_vtab::default(), table: table.clone(), planner: planner.clone() },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        let namespace_constrained = planner::choose(info, &self.table.schema)?;
        self.planner.note_use(&self.table, info.col_used(), namespace_constrained);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<KubeCursor<'vtab>> {
        Ok(KubeCursor { base: sqlite3_vtab_cursor::default(), vtab: self, rows: ScanRows::Done, rowid: 0 })
    }
}

/// A cursor: the rows of the current scan, and the position SQLite reads as the rowid.
#[repr(C)]
pub(crate) struct KubeCursor<'vtab> {
    base: sqlite3_vtab_cursor,
    vtab: &'vtab KubeTable,
    rows: ScanRows<'vtab>,
    rowid: i64,
}

// SAFETY: `KubeCursor` is `#[repr(C)]` with the `sqlite3_vtab_cursor` SQLite expects as its
// first field, which is what rusqlite's `VTabCursor` contract asks for.
unsafe impl VTabCursor for KubeCursor<'_> {
    fn filter(&mut self, _idx_num: c_int, idx_str: Option<&str>, args: &Filters<'_>) -> rusqlite::Result<()> {
        let table = &self.vtab.table;
        let constraints = Constraints::decode(&table.schema, idx_str, args)?;
        // Drop the previous scan (and its store) before the next starts.
        self.rows = ScanRows::Done;
        self.rows = self.vtab.planner.scan(table, constraints)?;
        self.rowid = 1;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.rowid += 1;
        self.rows.advance()
    }

    fn eof(&self) -> bool {
        self.rows.is_done()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        match usize::try_from(i).ok().and_then(|i| self.rows.cell(i)) {
            None | Some(CellRef::Null) => ctx.set_result(Null),
            Some(CellRef::Integer(v)) => ctx.set_result(v),
            Some(CellRef::Double(v)) => ctx.set_result(v),
            Some(CellRef::Text(s)) => ctx.set_result(s),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}
