//! What kubequery's built-in tables share beyond the table SDK.
//!
//! The SDK (`kubequery-table-sdk`) holds what any table author uses: object views, the row
//! writer, the common column groups. This crate holds the built-in tables that differ only in
//! their source — the container and volume child tables of every workload kind, the four RBAC
//! tables, the two webhook tables — and the job spec columns of Jobs and CronJobs. Each
//! built-in table crate is then a line such as `export_table!(Volumes<DaemonSets>);`.

pub mod admission;
pub mod batch;
pub mod rbac;
pub mod workload;
