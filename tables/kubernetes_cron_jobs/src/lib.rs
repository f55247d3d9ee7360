//! `kubernetes_cron_jobs`: one row per CronJob (batch/v1), its job's pod template, status and schedule.

use std::borrow::Cow;

use kubequery_builtin::batch::{JobSpec, job_spec_columns};
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct CronJob<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    schedule: Option<Cow<'a, str>>,
    starting_deadline_seconds: Option<i64>,
    concurrency_policy: Option<Cow<'a, str>>,
    suspend: Option<bool>,
    successful_jobs_history_limit: Option<i64>,
    failed_jobs_history_limit: Option<i64>,
    job_template: JobTemplate<'a>,
}

#[view]
struct JobTemplate<'a> {
    spec: JobSpec<'a>,
}

#[view]
struct Status<'a> {
    active: Option<&'a RawValue>,
    last_schedule_time: Option<Cow<'a, str>>,
    last_successful_time: Option<Cow<'a, str>>,
}

struct CronJobs;

impl ObjectTable for CronJobs {
    const NAME: &'static str = "kubernetes_cron_jobs";
    const DESCRIPTION: &'static str = "CronJobs, one row each: schedule, status and the job's pod template.";
    const SOURCE: Source = Source::resource("batch", "v1", "cronjobs", "CronJob").namespaced();
    type Item<'a> = CronJob<'a>;

    fn write(r: &mut Row, cj: &CronJob) {
        let (spec, status) = (&cj.spec, &cj.status);
        object_columns(r, &cj.metadata);
        pod_spec_columns(r, &spec.job_template.spec.template.spec, SpecOf::Template);
        r.json(col("active", "status.active"), status.active);
        r.timestamp(
            col("last_schedule_time", "status.lastScheduleTime, Unix seconds"),
            status.last_schedule_time.as_deref(),
        );
        r.timestamp(
            col("last_successful_time", "status.lastSuccessfulTime, Unix seconds"),
            status.last_successful_time.as_deref(),
        );
        r.text(col("schedule", "spec.schedule"), spec.schedule.as_deref());
        r.bigint(col("starting_deadline_seconds", "spec.startingDeadlineSeconds"), spec.starting_deadline_seconds);
        r.text(col("concurrency_policy", "spec.concurrencyPolicy"), spec.concurrency_policy.as_deref());
        r.boolean(col("suspend", "spec.suspend"), spec.suspend);
        r.integer(
            col("successful_jobs_history_limit", "spec.successfulJobsHistoryLimit"),
            spec.successful_jobs_history_limit,
        );
        r.integer(col("failed_jobs_history_limit", "spec.failedJobsHistoryLimit"), spec.failed_jobs_history_limit);
        job_spec_columns(
            r,
            &spec.job_template.spec,
            &[
                "spec.jobTemplate.spec.parallelism",
                "spec.jobTemplate.spec.completions",
                "spec.jobTemplate.spec.activeDeadlineSeconds",
                "spec.jobTemplate.spec.backoffLimit",
                "spec.jobTemplate.spec.selector",
                "spec.jobTemplate.spec.manualSelector",
                "spec.jobTemplate.spec.ttlSecondsAfterFinished",
            ],
        );
    }
}

export_table!(CronJobs);
