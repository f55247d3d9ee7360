//! The tables this process serves: the built-in components embedded at build time, plus
//! any third-party components loaded from files and admitted by the operator's [`Policy`].

mod builtin;
mod known;
mod policy;
mod third_party;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;

pub use policy::{Policy, PolicyError};

use crate::wasm::{LoadError, Origin, Runtime, TableComponent};

#[derive(Debug, Error)]
pub enum CatalogError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{new}: defines table {table}, which {existing} already defines")]
    NameClash { table: String, new: Origin, existing: Origin },
    #[error("{origin}: refused: {source}")]
    Refused { origin: Origin, source: PolicyError },
    #[error("{origin}: refused: the table name {table} is {reason}; rename the table")]
    ReservedName { origin: Origin, table: String, reason: &'static str },
    #[error("{}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
}

/// The name the generic resource table's component gives itself: not a table, the template
/// of every `k8s_*` table (docs/generic-tables.md).
pub const GENERIC_TEMPLATE: &str = "kubequery_generic";

/// When the built-in tables' code is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loading {
    /// Each table's at its first scan, when an earlier start of this binary remembered the
    /// tables (else all at start): a start costs only what its statements read.
    AtFirstScan,
    /// All at start, so that what the process holds when it starts serving includes every
    /// table's code: what the osquery extension's memory budget counts as its baseline.
    AtStart,
}

/// Tables by name.
#[derive(Default)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<TableComponent>>,
    /// The component that serves the generic resource tables.
    generic: Option<Arc<TableComponent>>,
}

impl Catalog {
    /// Every built-in table (precompiled at build time; see `builtin`), and the generic
    /// resource tables' component, their code loaded as `loading` says.
    pub fn builtin(runtime: &Runtime, loading: Loading) -> Result<Self, CatalogError> {
        let mut catalog = Catalog::default();
        for table in builtin::load_all(runtime, loading) {
            let table = table?;
            if table.schema.name == GENERIC_TEMPLATE {
                catalog.generic = Some(Arc::new(table));
            } else {
                catalog.add(table)?;
            }
        }
        Ok(catalog)
    }

    /// The component that serves the generic resource tables (`k8s_*`), built in.
    pub fn generic(&self) -> Option<&Arc<TableComponent>> {
        self.generic.as_ref()
    }

    /// Adds a table, refusing a name that is already taken.
    pub fn add(&mut self, table: TableComponent) -> Result<(), CatalogError> {
        if let Some(existing) = self.tables.get(&table.schema.name) {
            return Err(CatalogError::NameClash {
                table: table.schema.name.clone(),
                new: table.origin.clone(),
                existing: existing.origin.clone(),
            });
        }
        self.tables.insert(table.schema.name.clone(), Arc::new(table));
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Arc<TableComponent>> {
        self.tables.get(name)
    }

    /// Every table, sorted by name.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableComponent>> {
        self.tables.values()
    }
}
