//! Loading third-party table components from files.
//!
//! Each file is vetted on its own — a valid component, a supported WIT version, allowed
//! imports, a sane schema, a name no other table has, a source the policy admits — and a
//! refused file is reported and skipped, never taking the other tables down with it.

use std::path::{Path, PathBuf};

use super::{Catalog, CatalogError, Policy};
use crate::wasm::{Origin, Runtime};

impl Catalog {
    /// Adds every `*.wasm` in `dirs` (in name order) and every file in `files`. Returns one
    /// error per component, or directory, that could not be added.
    pub fn add_third_party(
        &mut self,
        runtime: &Runtime,
        policy: &Policy,
        dirs: &[PathBuf],
        files: &[PathBuf],
    ) -> Vec<CatalogError> {
        let mut errors = Vec::new();
        let mut all = Vec::new();
        for dir in dirs {
            match components_in(dir) {
                Ok(found) => all.extend(found),
                Err(source) => errors.push(CatalogError::Read { path: dir.clone(), source }),
            }
        }
        all.extend(files.iter().cloned());
        for file in all {
            if let Err(e) = self.add_file(runtime, policy, &file) {
                errors.push(e);
            }
        }
        errors
    }

    /// Loads one component file and adds its table.
    pub fn add_file(&mut self, runtime: &Runtime, policy: &Policy, file: &Path) -> Result<(), CatalogError> {
        let wasm = std::fs::read(file).map_err(|source| CatalogError::Read { path: file.to_path_buf(), source })?;
        let origin = Origin::File(file.to_path_buf());
        let table = runtime.load(&wasm, None, origin.clone())?;
        if let Some(reason) = crate::sql::reserved_name(&table.schema.name) {
            return Err(CatalogError::ReservedName { origin, table: table.schema.name.clone(), reason });
        }
        if table.schema.name.starts_with(crate::schema::GENERIC_PREFIX) {
            let reason = "kept for the generic resource tables (k8s_*)";
            return Err(CatalogError::ReservedName { origin, table: table.schema.name.clone(), reason });
        }
        policy.admit(&table.schema).map_err(|source| CatalogError::Refused { origin, source })?;
        self.add(table)
    }
}

fn components_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}
