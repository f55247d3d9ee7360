//! The job spec shared by `kubernetes_jobs` and `kubernetes_cron_jobs` (whose job template
//! carries the same fields), and its columns.

use crate::workload::PodTemplateSpec;
use kubequery_table_sdk::{RawValue, Row, col, view};

/// `spec` of a Job, or `spec.jobTemplate.spec` of a CronJob.
#[view]
pub struct JobSpec<'a> {
    pub parallelism: Option<i64>,
    pub completions: Option<i64>,
    pub active_deadline_seconds: Option<i64>,
    pub backoff_limit: Option<i64>,
    pub selector: Option<&'a RawValue>,
    pub manual_selector: Option<bool>,
    pub ttl_seconds_after_finished: Option<i64>,
    pub template: PodTemplateSpec<'a>,
}

/// The seven job-spec columns, from `parallelism` to `ttl_seconds_after_finished`; `from`
/// names each field's path for the column descriptions.
pub fn job_spec_columns(r: &mut Row, spec: &JobSpec, from: &'static [&'static str; 7]) {
    r.integer(col("parallelism", from[0]), spec.parallelism);
    r.integer(col("completions", from[1]), spec.completions);
    r.bigint(col("job_active_deadline_seconds", from[2]), spec.active_deadline_seconds);
    r.integer(col("backoff_limit", from[3]), spec.backoff_limit);
    r.json(col("selector", from[4]), spec.selector);
    r.boolean(col("manual_selector", from[5]), spec.manual_selector);
    r.integer(col("ttl_seconds_after_finished", from[6]), spec.ttl_seconds_after_finished);
}
