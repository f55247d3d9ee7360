//! What the operator lets tables do.
//!
//! A table can only ever see the pages of the one source its schema declares: the host does
//! the fetching, the component never touches the network. The policy decides which declared
//! sources a third-party table may have at all. (The limits of every table's scans are the
//! runtime's: `wasm::Runtime::with_table_limits`.)
//!
//! - Third-party tables may read any API resource except Secrets, unless the operator sets an
//!   allow-list; then only the resources on it. Patterns are RBAC-style qualified names:
//!   `certificates.cert-manager.io`, `*.cert-manager.io` (a whole group), `pods` (core), `*`.
//! - A fixed API path (`/version`, …) must be on the allow-list literally; no pattern covers
//!   paths, because a path can name any object.
//! - Reading Secrets needs a grant naming the table, and even then only metadata is fetched.
//! - Discovery documents are metadata and always allowed.
//!
//! Built-in tables are part of kubequery and are not filtered.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::schema::{Source, TableSchema};

/// The operator's rules for tables.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Resources third-party tables may read; `None`: every resource except Secrets.
    pub allow: Option<Vec<String>>,
    /// Third-party tables granted Secret metadata.
    pub secrets: BTreeSet<String>,
}

/// Why a third-party table is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error(
        "table {table} reads Secrets, which needs a grant: --table-grant-secrets {table} \
         (or `table_grant_secrets` in the config file); it would see Secret metadata only, never values"
    )]
    SecretsNotGranted { table: String },
    #[error("table {table} reads {resource}, which is not on the allow-list ({allowed}); add it with --table-allow")]
    ResourceNotAllowed { table: String, resource: String, allowed: String },
    #[error(
        "table {table} reads the API path {path}; a third-party table may read a fixed path only when \
         --table-allow names that exact path"
    )]
    PathNotAllowed { table: String, path: String },
}

impl Policy {
    /// Whether a third-party table with this schema may be loaded.
    pub fn admit(&self, schema: &TableSchema) -> Result<(), PolicyError> {
        let table = schema.name.clone();
        match &schema.source {
            Source::Discovery => Ok(()),
            Source::Resource(resource) if resource.is_secrets() => {
                if self.secrets.contains(&schema.name) {
                    Ok(())
                } else {
                    Err(PolicyError::SecretsNotGranted { table })
                }
            }
            Source::Resource(resource) => {
                let name = resource.qualified_name();
                match &self.allow {
                    None => Ok(()),
                    Some(allow) if allow.iter().any(|pattern| matches(pattern, &name)) => Ok(()),
                    Some(allow) => {
                        Err(PolicyError::ResourceNotAllowed { table, resource: name, allowed: allow.join(", ") })
                    }
                }
            }
            Source::Path(path) => {
                if self.allow.as_ref().is_some_and(|allow| allow.iter().any(|p| p == path)) {
                    Ok(())
                } else {
                    Err(PolicyError::PathNotAllowed { table, path: path.clone() })
                }
            }
        }
    }
}

/// Whether an allow-list pattern covers a qualified resource name. Paths never match a
/// pattern; they are compared literally by the caller.
fn matches(pattern: &str, resource: &str) -> bool {
    if pattern.starts_with('/') {
        return false;
    }
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(group) => resource.split_once('.').is_some_and(|(_, g)| g == group),
        None => pattern == resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ApiResource;

    fn reading(group: &str, resource: &str) -> TableSchema {
        TableSchema {
            name: "t".into(),
            description: String::new(),
            columns: Vec::new(),
            source: Source::Resource(ApiResource {
                group: group.into(),
                version: "v1".into(),
                resource: resource.into(),
                kind: "K".into(),
                namespaced: true,
                metadata_only: false,
            }),
        }
    }

    fn allowing(patterns: &[&str]) -> Policy {
        Policy { allow: Some(patterns.iter().map(std::string::ToString::to_string).collect()), ..Policy::default() }
    }

    #[test]
    fn without_an_allow_list_everything_but_secrets_is_readable() {
        let policy = Policy::default();
        assert_eq!(policy.admit(&reading("cert-manager.io", "certificates")), Ok(()));
        assert_eq!(policy.admit(&reading("", "pods")), Ok(()));
        assert!(matches!(policy.admit(&reading("", "secrets")), Err(PolicyError::SecretsNotGranted { .. })));
    }

    #[test]
    fn allow_list_patterns() {
        let policy = allowing(&["*.cert-manager.io", "pods"]);
        assert_eq!(policy.admit(&reading("cert-manager.io", "issuers")), Ok(()));
        assert_eq!(policy.admit(&reading("", "pods")), Ok(()));
        assert!(policy.admit(&reading("acme.cert-manager.io", "orders")).is_err());
        assert!(policy.admit(&reading("apps", "deployments")).is_err());
        assert_eq!(allowing(&["*"]).admit(&reading("apps", "deployments")), Ok(()));
    }

    #[test]
    fn secrets_need_a_grant_even_with_a_wildcard() {
        assert!(allowing(&["*", "secrets"]).admit(&reading("", "secrets")).is_err());
        let granted = Policy { secrets: ["t".to_string()].into(), ..Policy::default() };
        assert_eq!(granted.admit(&reading("", "secrets")), Ok(()));
    }

    #[test]
    fn paths_need_their_literal_entry() {
        let mut schema = reading("", "pods");
        schema.source = Source::Path("/api/v1/secrets".into());
        assert!(allowing(&["*"]).admit(&schema).is_err());
        assert!(Policy::default().admit(&schema).is_err());
        schema.source = Source::Path("/version".into());
        assert_eq!(allowing(&["/version"]).admit(&schema), Ok(()));
    }
}
