//! The generic resource tables: every resource the source serves that no typed table reads
//! gets a table, `k8s_<plural>[_<group>]` (docs/generic-tables.md), served by one built-in
//! component. A table is registered the first time a statement names it, so a query pays
//! for discovery only when it uses one, and the resources are looked up again (once a
//! minute at most) when a statement names one not seen yet: a CRD created since. A CRD's
//! printer columns and schema become typed columns of its table ([`crd_columns`]).

mod crd_columns;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use self::crd_columns::Declared;
use super::lexer::{Hiding, hiding_at};
use crate::schema::{ApiResource, GENERIC_PREFIX, Source, TableSchema, kinds_read};
use crate::sources::DataSource;
use crate::wasm::TableComponent;

/// How long a discovery of the source's resources is trusted for a name it did not know.
const REDISCOVER_AFTER: Duration = Duration::from_secs(60);

/// The generic resource tables of one engine, or of the osquery extension.
pub struct GenericTables {
    template: Arc<TableComponent>,
    source: Arc<dyn DataSource>,
    /// (group, kind) that typed tables read, directly or from a group the kind moved from.
    typed: HashSet<(String, String)>,
    /// The typed table that reads each resource a generic table would otherwise, by the
    /// generic name (`k8s_pods` → `kubernetes_pods`), to say so when a statement names one.
    typed_names: HashMap<String, String>,
    /// The generic tables the source's resources make, by name, and when they were found.
    known: Mutex<Option<(Instant, HashMap<String, ApiResource>)>>,
}

impl GenericTables {
    /// The generic tables `template` (the catalog's `generic()`) serves for the resources of
    /// `source` that none of the `typed` tables reads.
    pub fn new(template: Arc<TableComponent>, source: Arc<dyn DataSource>, typed: &[Arc<TableComponent>]) -> Self {
        let mut typed_names = HashMap::new();
        for table in typed {
            if let Source::Resource(resource) = &table.schema.source {
                // Of the tables reading a resource, the one of its objects (the shortest name:
                // kubernetes_pods, not kubernetes_pod_containers).
                let name =
                    typed_names.entry(resource.generic_table_name()).or_insert_with(|| table.schema.name.clone());
                if table.schema.name.len() < name.len() {
                    name.clone_from(&table.schema.name);
                }
            }
        }
        let typed = kinds_read(typed.iter().map(|t| &t.schema));
        GenericTables { template, source, typed, typed_names, known: Mutex::new(None) }
    }

    /// The typed table that reads the resource `name` would be the generic table of.
    pub fn typed_table_for(&self, name: &str) -> Option<&str> {
        self.typed_names.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The names in `sql` that may be generic tables: words starting with `k8s_`, lowercased,
    /// outside string literals and comments (`WHERE name = 'k8s_x'` names no table, and must
    /// not cost a discovery).
    pub(super) fn names_in(sql: &str) -> HashSet<String> {
        code_of(sql)
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| {
                word.len() > GENERIC_PREFIX.len() && word[..GENERIC_PREFIX.len()].eq_ignore_ascii_case(GENERIC_PREFIX)
            })
            .map(str::to_ascii_lowercase)
            .collect()
    }

    /// Every generic table the source's resources make now, by name.
    pub fn all(&self) -> Vec<Arc<TableComponent>> {
        let mut names = self.names();
        names.sort();
        let resources: Vec<(String, ApiResource)> =
            names.into_iter().filter_map(|name| self.resource(&name).map(|resource| (name, resource))).collect();
        // Every CRD in one List, rather than one GET per table.
        let printed = if resources.iter().any(|(_, r)| crd_columns::may_be_custom(r)) {
            crd_columns::read(self.source.as_ref(), &[])
        } else {
            HashMap::new()
        };
        resources
            .into_iter()
            .map(|(name, resource)| {
                let declared = printed.get(&crd_columns::key(&resource)).cloned().unwrap_or_default();
                self.build(&name, resource, &declared)
            })
            .collect()
    }

    /// The table called `name`, if the source serves its resource and no typed table reads it.
    pub fn table(&self, name: &str) -> Option<Arc<TableComponent>> {
        // Other names are never generic: no discovery for them.
        if !name.starts_with(GENERIC_PREFIX) {
            return None;
        }
        let resource = self.resource(name)?;
        // Kubernetes' own resources are never CRDs; another group's may be one: GET its CRD.
        let printed = if crd_columns::may_be_custom(&resource) {
            crd_columns::read(self.source.as_ref(), &[resource.qualified_name()])
        } else {
            HashMap::new()
        };
        let declared = printed.get(&crd_columns::key(&resource)).cloned().unwrap_or_default();
        Some(self.build(name, resource, &declared))
    }

    /// The table `name` of `resource`, with typed columns for what its CRD `declared`.
    fn build(&self, name: &str, resource: ApiResource, declared: &Declared) -> Arc<TableComponent> {
        let mut columns = self.template.schema.columns.clone();
        let (typed, path_columns) = crd_columns::columns_for(&resource, declared, &columns);
        columns.extend(typed);
        let schema = TableSchema {
            name: name.to_string(),
            description: format!(
                "Objects of {} ({}), one row each: a generic table.",
                resource.qualified_name(),
                resource.api_version()
            ),
            columns,
            source: Source::Resource(resource),
        };
        Arc::new(self.template.serving(schema, path_columns))
    }

    /// Every generic table's name the source's resources make now, discovering them again.
    pub fn rediscover(&self) -> Vec<String> {
        let tables = self.discover();
        let names = tables.keys().cloned().collect();
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), tables));
        names
    }

    /// Every generic table's name (discovering the resources if not yet), for suggestions.
    pub(super) fn names(&self) -> Vec<String> {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        let (_, tables) = known.get_or_insert_with(|| (Instant::now(), self.discover()));
        tables.keys().cloned().collect()
    }

    fn resource(&self, name: &str) -> Option<ApiResource> {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        let stale =
            known.as_ref().is_none_or(|(at, tables)| !tables.contains_key(name) && at.elapsed() > REDISCOVER_AFTER);
        if stale {
            *known = Some((Instant::now(), self.discover()));
        }
        known.as_ref().and_then(|(_, tables)| tables.get(name).cloned())
    }

    /// The source's resources that no typed table reads, by generic table name (the first
    /// resource of a name wins when two groups' names differ only by `.` and `-`).
    fn discover(&self) -> HashMap<String, ApiResource> {
        let mut tables = HashMap::new();
        for resource in self.source.resources() {
            // Secrets stay with their typed table, which never reads their values.
            if resource.is_secrets() || self.typed.contains(&(resource.group.clone(), resource.kind.clone())) {
                continue;
            }
            // Names come from discovery or a snapshot's files: a resource whose names could
            // not be in a request path or a table name gets no table.
            if let Err(invalid) = resource.check_names() {
                tracing::warn!("no generic table for {resource}: {invalid}");
                continue;
            }
            tables.entry(resource.generic_table_name()).or_insert(resource);
        }
        tables
    }
}

/// `sql` with its string literals (`'…'`, `''` inside) and comments (`-- …`, `/* … */`)
/// blanked out; quoted identifiers (`"k8s_x"`) stay, since they name tables.
fn code_of(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    // Where the text not yet copied starts: literals and comments end on ASCII delimiters,
    // so every cut falls between characters.
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        match hiding_at(bytes, i) {
            Some((Hiding::Literal | Hiding::Comment, end)) => {
                out.push_str(&sql[copied..i]);
                out.push(' ');
                (copied, i) = (end, end);
            }
            Some((Hiding::QuotedName, end)) => i = end,
            None => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::GenericTables;

    #[test]
    fn names_in_string_literals_and_comments_are_not_tables() {
        let sql = "SELECT * FROM k8s_leases_coordination_k8s_io l JOIN \"K8S_Widgets_example_com\" w \
                   WHERE l.name = 'k8s_not_a_table' AND w.name = 'it''s k8s_nor_this' -- k8s_comment\n\
                   /* k8s_block */ AND 1";
        let mut names: Vec<String> = GenericTables::names_in(sql).into_iter().collect();
        names.sort();
        assert_eq!(names, ["k8s_leases_coordination_k8s_io", "k8s_widgets_example_com"]);
    }
}
