//! `kubernetes_info`: one row per cluster, from its `/version` document.

use std::borrow::Cow;

use kubequery_table_sdk::{Row, Rows, Source, Table, col, export_table, view};

#[view]
struct Version<'a> {
    major: Option<Cow<'a, str>>,
    minor: Option<Cow<'a, str>>,
    git_version: Option<Cow<'a, str>>,
    git_commit: Option<Cow<'a, str>>,
    git_tree_state: Option<Cow<'a, str>>,
    build_date: Option<Cow<'a, str>>,
    go_version: Option<Cow<'a, str>>,
    compiler: Option<Cow<'a, str>>,
    platform: Option<Cow<'a, str>>,
}

struct Info;

impl Info {
    fn write(r: &mut Row, v: &Version) {
        let cluster = r.cluster();
        r.text(col("cluster_uid", "uid of the cluster's kube-system namespace").index(), Some(&cluster.uid));
        r.text(col("cluster_name", "cluster name chosen by the operator"), Some(&cluster.name));
        r.text(col("major", "/version major"), v.major.as_deref());
        r.text(col("minor", "/version minor"), v.minor.as_deref());
        r.text(col("git_version", "/version gitVersion"), v.git_version.as_deref());
        r.text(col("git_commit", "/version gitCommit"), v.git_commit.as_deref());
        r.text(col("git_tree_state", "/version gitTreeState"), v.git_tree_state.as_deref());
        r.text(col("build_date", "/version buildDate"), v.build_date.as_deref());
        r.text(col("go_version", "/version goVersion"), v.go_version.as_deref());
        r.text(col("compiler", "/version compiler"), v.compiler.as_deref());
        r.text(col("platform", "/version platform"), v.platform.as_deref());
    }
}

impl Table for Info {
    const NAME: &'static str = "kubernetes_info";
    const DESCRIPTION: &'static str = "The cluster's Kubernetes version, one row per cluster.";
    const SOURCE: Source = Source::Path("/version");
    type Item<'a> = Version<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Version::default());
    }

    fn rows(version: &Version, rows: &mut Rows) {
        rows.row(|r| Self::write(r, version));
    }
}

export_table!(Info);
