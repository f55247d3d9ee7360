//! `kubernetes_jobs`: one row per Job, its pod template then its status and spec.

use std::borrow::Cow;

use kubequery_builtin::batch::{JobSpec, job_spec_columns};
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Job<'a> {
    metadata: ObjectMeta<'a>,
    spec: JobSpec<'a>,
    status: Status<'a>,
}

#[view]
struct Status<'a> {
    conditions: Option<&'a RawValue>,
    start_time: Option<Cow<'a, str>>,
    completion_time: Option<Cow<'a, str>>,
    active: i64,
    succeeded: i64,
    failed: i64,
    completed_indexes: Option<Cow<'a, str>>,
    uncounted_terminated_pods: Option<&'a RawValue>,
}

struct Jobs;

impl ObjectTable for Jobs {
    const NAME: &'static str = "kubernetes_jobs";
    const DESCRIPTION: &'static str = "Jobs, one row each: pod template, status and completion settings.";
    const SOURCE: Source = Source::resource("batch", "v1", "jobs", "Job").namespaced();
    type Item<'a> = Job<'a>;

    fn write(r: &mut Row, job: &Job) {
        let status = &job.status;
        object_columns(r, &job.metadata);
        pod_spec_columns(r, &job.spec.template.spec, SpecOf::Template);
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.timestamp(col("start_time", "status.startTime, Unix seconds"), status.start_time.as_deref());
        r.timestamp(col("completion_time", "status.completionTime, Unix seconds"), status.completion_time.as_deref());
        r.integer(col("active", "status.active"), Some(status.active));
        r.integer(col("succeeded", "status.succeeded"), Some(status.succeeded));
        r.integer(col("failed", "status.failed"), Some(status.failed));
        r.text(col("completed_indexes", "status.completedIndexes"), status.completed_indexes.as_deref());
        r.json(col("uncounted_terminated_pods", "status.uncountedTerminatedPods"), status.uncounted_terminated_pods);
        job_spec_columns(
            r,
            &job.spec,
            &[
                "spec.parallelism",
                "spec.completions",
                "spec.activeDeadlineSeconds",
                "spec.backoffLimit",
                "spec.selector",
                "spec.manualSelector",
                "spec.ttlSecondsAfterFinished",
            ],
        );
    }
}

export_table!(Jobs);
