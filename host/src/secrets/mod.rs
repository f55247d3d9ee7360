//! The Secret guarantee: no byte of a Secret's `data` or `stringData`, and no annotation that
//! copies them (kubectl's `last-applied-configuration`), reaches a table component — and so
//! no row, log line, error message or osquery response — whatever the table, the cluster or
//! the file. ConfigMaps get the same treatment of their annotations, so that the
//! "metadata, never the data" promise of `kubernetes_config_maps` holds.
//!
//! The layers, from the outside in (docs/sandbox.md says which guarantees what):
//!
//! 1. **Names** (`schema::names`): a table's declared group, version, resource and kind must
//!    follow Kubernetes' naming rules, so there is exactly one spelling of core Secrets, and
//!    a fixed path may not name Secrets at all.
//! 2. **Classification** ([`crate::schema::ApiResource::is_secrets`]): the core group with
//!    the `secrets` resource *or* the `Secret` kind. Such a table needs the operator's grant
//!    (third-party) and is always listed as metadata, whatever it declares.
//! 3. **Sources**: a live cluster is asked for the `Table` format with metadata objects only,
//!    and any answer that is not metadata is refused; a snapshot keeps a value-free copy of
//!    each Secret as it loads the file and never the original. Both go through `sanitize.rs`.
//! 4. **The last line** ([`check_page`]): every page is checked right before it enters a
//!    component; a page that breaks the rules fails the scan instead.

mod guard;
mod sanitize;

pub use guard::{Refusal, check_page};
pub use sanitize::{LAST_APPLIED, config_map_item, config_map_page, secret_item};

/// A kind as a message may name it: `a SecretList` when it is short and plain, else a
/// description. A hostile answer's kind could be anything, values included.
pub fn describe_kind(kind: Option<&str>) -> String {
    match kind {
        Some(kind) if !kind.is_empty() && kind.len() <= 64 && kind.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            format!("a {kind}")
        }
        Some(_) => "an object of an unreadable kind".into(),
        None => "a document without a kind".into(),
    }
}
