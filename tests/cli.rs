//! The `kubequery` binary end to end, as a user runs it.

use crate::common;

use std::fs;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = common::kubequery().args(args).output().expect("running kubequery");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn readme_quick_start_query_prints_a_table() {
    let (ok, out, err) =
        run(&["query", "--demo", "--output", "table", "SELECT namespace, count(*) FROM kubernetes_pods GROUP BY 1"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "+-------------+----------+\n\
         | namespace   | count(*) |\n\
         +-------------+----------+\n\
         | kube-system | 9        |\n\
         | monitoring  | 4        |\n\
         | shop        | 6        |\n\
         +-------------+----------+\n"
    );
}

#[test]
fn json_output_is_an_array_of_objects_with_typed_values() {
    let (ok, out, err) = run(&[
        "query",
        "--demo",
        "-o",
        "json",
        "SELECT name, host_network, priority, nominated_node_name, labels FROM kubernetes_pods WHERE name LIKE 'kube-proxy-%' ORDER BY name",
    ]);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("output is JSON");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["name"], "kube-proxy-m4q9z");
    assert_eq!(rows[0]["host_network"], 1);
    assert_eq!(rows[0]["priority"], 2_000_001_000);
    assert!(rows[0]["nominated_node_name"].is_null());
    let labels: serde_json::Value =
        serde_json::from_str(rows[0]["labels"].as_str().expect("labels is JSON text")).expect("JSON");
    assert_eq!(labels["k8s-app"], "kube-proxy");
}

#[test]
fn every_kubequery_table_exists_with_its_names_and_types() {
    let spec: serde_json::Value =
        serde_json::from_slice(&fs::read(common::fixture("kubequery-1.1.1-schema.json")).expect("spec fixture"))
            .expect("JSON");
    let catalog = common::builtin_catalog();
    // kubequery's own state (`kubequery_*`) aside, the built-in tables are kubequery 1.1.1's.
    let tables: Vec<String> =
        catalog.tables().map(|t| t.schema.name.clone()).filter(|name| !name.starts_with("kubequery_")).collect();
    let mut in_spec: Vec<String> = spec["tables"].as_object().expect("tables").keys().cloned().collect();
    in_spec.sort();
    assert_eq!(tables, in_spec, "the built-in Kubernetes tables are exactly kubequery 1.1.1's 51");
    for table in &tables {
        let (ok, out, err) =
            run(&["query", "--demo", "-o", "csv", &format!("SELECT name, type FROM pragma_table_info('{table}')")]);
        assert!(ok, "{err}");
        let actual: Vec<String> = out.lines().skip(1).map(str::to_string).collect();
        let mut expected: Vec<String> = spec["tables"][table]
            .as_array()
            .unwrap_or_else(|| panic!("{table} is not a kubequery 1.1.1 table"))
            .iter()
            .map(|c| format!("{},{}", c[0].as_str().expect("name"), c[1].as_str().expect("type")))
            .collect();
        // The columns added on purpose (docs/compatibility.md): PVCs are namespaced, and HPAs
        // are read as autoscaling/v2, whose every metric has a column.
        if table == "kubernetes_persistent_volume_claims" {
            expected.insert(4, "namespace,TEXT".into());
        }
        if table == "kubernetes_horizontal_pod_autoscalers" {
            expected.extend(["metrics", "behavior", "current_metrics", "conditions"].map(|c| format!("{c},TEXT")));
        }
        assert_eq!(actual, expected, "{table}");
    }
}

#[test]
fn join_and_json_extract() {
    let (ok, out, err) = run(&[
        "query",
        "--demo",
        "-o",
        "csv",
        "SELECT p.name, c.name, c.container_type, json_extract(p.labels, '$.\"app.kubernetes.io/name\"') \
         FROM kubernetes_pods p JOIN kubernetes_pod_containers c ON p.namespace = c.namespace AND p.name = c.pod_name \
         WHERE p.namespace = 'shop' AND p.name LIKE 'frontend-%' ORDER BY 1, 2",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out.replace("\r\n", "\n"),
        "name,name,container_type,\"json_extract(p.labels, '$.\"\"app.kubernetes.io/name\"\"')\"\n\
         frontend-6d9f7c8b4-h2xkq,debugger-7xk2q,ephemeral,frontend\n\
         frontend-6d9f7c8b4-h2xkq,frontend,container,frontend\n\
         frontend-6d9f7c8b4-h2xkq,log-shipper,container,frontend\n\
         frontend-6d9f7c8b4-h2xkq,wait-for-cart,init,frontend\n\
         frontend-6d9f7c8b4-r7vmc,frontend,container,frontend\n\
         frontend-6d9f7c8b4-r7vmc,log-shipper,container,frontend\n\
         frontend-6d9f7c8b4-r7vmc,wait-for-cart,init,frontend\n"
    );
}

#[test]
fn every_output_format() {
    let sql =
        "SELECT name, unschedulable, taints FROM kubernetes_nodes WHERE name IN ('cp-1', 'worker-2') ORDER BY name";
    let (_, jsonl, _) = run(&["query", "--demo", "-o", "jsonl", sql]);
    let lines: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["unschedulable"], 1);
    let (_, line, _) = run(&["query", "--demo", "-o", "line", sql]);
    assert!(
        line.starts_with("         name = cp-1\nunschedulable = 0\n       taints = [{\"key\":\"node-role"),
        "{line}"
    );
    assert!(line.contains("\n\n         name = worker-2\n"), "{line}");
    let (_, csv, _) = run(&["query", "--demo", "-o", "csv", sql]);
    assert!(csv.starts_with("name,unschedulable,taints\r\ncp-1,0,\"[{\"\"key\"\":\"\"node-role"), "{csv}");
}

#[test]
fn a_failing_statement_does_not_lose_the_others() {
    let (ok, out, err) = run(&[
        "query",
        "--demo",
        "-o",
        "jsonl",
        "SELECT count(*) AS nodes FROM kubernetes_nodes; SELECT json_extract('{not json', '$'); SELECT count(*) AS namespaces FROM kubernetes_namespaces",
    ]);
    assert!(!ok, "a failed statement makes the exit status non-zero");
    assert_eq!(out, "{\"nodes\":3}\n{\"namespaces\":6}\n");
    assert!(err.contains("statement 2: malformed JSON"), "{err}");
    // Statements that do not even prepare (a typo, a table that does not exist; SQLite cannot
    // say where they end) do not stop the ones after them either.
    let (ok, out, err) = run(&[
        "query",
        "--demo",
        "-o",
        "jsonl",
        "SELECT 'a;b' AS s; SELEC 1; SELECT count(*) AS n FROM kubernetes_nodez; -- a comment; \n         SELECT count(*) AS nodes FROM kubernetes_nodes",
    ]);
    assert!(!ok, "failed statements make the exit status non-zero");
    assert_eq!(out, "{\"s\":\"a;b\"}\n{\"nodes\":3}\n");
    assert!(err.contains("statement 2: ") && err.contains("syntax error"), "{err}");
    assert!(err.contains("statement 3: no such table: kubernetes_nodez"), "{err}");
}

#[test]
fn malformed_snapshot_file_is_named_and_the_rest_is_served() {
    let dir = common::scratch("cli_malformed");
    fs::write(dir.join("broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: [\n").expect("write");
    fs::copy(common::fixture("kubequery-1.1.1/pod_test.json"), dir.join("pod.json")).expect("copy");
    let (ok, out, err) =
        run(&["query", "--snapshot", dir.to_str().expect("UTF-8"), "-o", "csv", "SELECT name FROM kubernetes_pods"]);
    assert!(ok, "{err}");
    assert!(err.contains("broken.yaml") && err.contains("invalid YAML"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out, "name\r\njaeger-operator-5db4f9d996-pm7ld\r\n");
}

#[test]
fn errors_name_what_is_missing() {
    let (ok, _, err) = run(&["query", "SELECT 1"]);
    assert!(!ok);
    assert!(err.contains("no usable kubeconfig") && err.contains("--snapshot DIR") && err.contains("--demo"), "{err}");
    let (ok, _, err) = run(&["query", "--kubeconfig", "/nonexistent/kubeconfig", "SELECT 1"]);
    assert!(!ok);
    assert!(err.contains("kubeconfig /nonexistent/kubeconfig"), "{err}");
    let (ok, _, err) = run(&["query", "--snapshot", "/nonexistent/snap", "SELECT 1"]);
    assert!(!ok);
    assert!(err.contains("/nonexistent/snap"), "{err}");
    let (ok, _, err) = run(&["schema", "kubernetes_nope"]);
    assert!(!ok);
    assert!(err.contains("no table named \"kubernetes_nope\""), "{err}");
    let (ok, _, err) = run(&["query", "--demo", "SELECT * FROM kubernetes_nope"]);
    assert!(!ok);
    assert!(err.contains("no such table: kubernetes_nope"), "{err}");
}

#[test]
fn misspelt_tables_and_columns_get_a_suggestion() {
    let (ok, _, err) = run(&["query", "--demo", "SELECT name FROM kubernetes_podz"]);
    assert!(!ok);
    assert!(err.contains("no such table: kubernetes_podz; did you mean kubernetes_pods?"), "{err}");
    let (ok, _, err) = run(&["query", "--demo", "SELECT p.nmae FROM kubernetes_pods p"]);
    assert!(!ok);
    assert!(err.contains("no such column: p.nmae; did you mean name?"), "{err}");
    let (ok, _, err) = run(&["schema", "kubernetes_nodez"]);
    assert!(!ok);
    assert!(err.contains("did you mean kubernetes_nodes?"), "{err}");
}

#[test]
fn tables_and_schema_commands() {
    let (ok, out, _) = run(&["tables"]);
    assert!(ok);
    assert!(out.lines().any(|l| l.starts_with("kubernetes_pod_containers ")), "{out}");
    let (ok, out, _) = run(&["schema", "kubernetes_pods"]);
    assert!(ok);
    assert!(out.contains("creation_timestamp") && out.contains("BIGINT"), "{out}");
}

#[test]
fn built_in_tables_start_precompiled_and_compile_nothing() {
    let scratch = common::scratch("cli_builtin_cache");
    let cache = scratch.join("cache");
    let tables = |cache: &std::path::Path| {
        let out = common::kubequery().env("KUBEQUERY_CACHE_DIR", cache).args(["tables"]).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let tables = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(tables, 52, "every built-in table is served: kubequery 1.1.1's 51 and kubequery_cache");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let files = || -> Vec<String> {
        fs::read_dir(&cache)
            .expect("cache dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into())
            .collect()
    };
    for start in ["first", "second"] {
        tables(&cache);
        // Nothing was compiled: the cache holds only what the first start remembered of the
        // tables, so that the next ones load each table's code when a statement scans it.
        let files = files();
        assert!(
            files.len() == 1
                && files[0].starts_with("builtin-tables-")
                && std::path::Path::new(&files[0]).extension().is_some_and(|e| e == "json"),
            "{start} start: the built-in tables' embedded native code was refused and compiled into {cache:?}: {files:?}"
        );
    }
    // A cache directory that cannot be made (a read-only home) costs time, and is not worth a word.
    fs::write(scratch.join("a-file"), "").expect("write");
    let stderr = tables(&scratch.join("a-file").join("cache"));
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn second_start_uses_the_compile_cache_for_other_tables() {
    let cache = common::scratch("cli_cache");
    let table = common::hostile_components().join("secret_reader.wasm");
    let start = || {
        let out = common::kubequery()
            .env("KUBEQUERY_CACHE_DIR", &cache)
            .arg("--table")
            .arg(&table)
            .args(["tables"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        fs::read_dir(&cache)
            .expect("cache dir exists")
            .map(|e| e.expect("entry"))
            .filter(|e| e.path().extension().is_some_and(|e| e == "cwasm"))
            .map(|e| e.metadata().expect("meta").modified().expect("mtime"))
            .collect::<Vec<_>>()
    };
    let first = start();
    assert_eq!(first.len(), 1, "one compiled entry, for the third-party table");
    assert_eq!(start(), first, "the second start must not rewrite (recompile) the cached component");
}

#[test]
fn settings_come_from_flags_then_environment_then_config_file() {
    let dir = common::scratch("cli_config");
    let config = dir.join("kubequery.yaml");
    fs::write(&config, "demo: true\ncluster_name: from-file\n").expect("write");
    let name = |extra_env: Option<&str>, extra_flag: Option<&str>| {
        let mut cmd = common::kubequery();
        cmd.arg("--config").arg(&config).args(["query", "-o", "csv"]);
        if let Some(flag) = extra_flag {
            cmd.args(["--cluster-name", flag]);
        }
        if let Some(env) = extra_env {
            cmd.env("KUBEQUERY_CLUSTER_NAME", env);
        }
        let out = cmd.arg("SELECT DISTINCT cluster_name FROM kubernetes_nodes").output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap_or("").to_string()
    };
    assert_eq!(name(None, None), "from-file");
    assert_eq!(name(Some("from-env"), None), "from-env");
    assert_eq!(name(Some("from-env"), Some("from-flag")), "from-flag");
    fs::write(&config, "demo: true\nclustr_name: typo\n").expect("write");
    let out = common::kubequery().arg("--config").arg(&config).args(["query", "SELECT 1"]).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("kubequery.yaml") && stderr.contains("clustr_name"), "{stderr}");
}

#[test]
fn escape_sequences_from_the_cluster_never_reach_the_terminal() {
    // Anyone who may create an Event controls its note: an OSC 52 clipboard write and a
    // clear-screen must come out escaped in every human-readable format.
    let dir = common::scratch("escape-sequences");
    let note = "pulled\u{1b}]52;c;aGFja2Vk\u{7}\u{1b}[2J\u{9b}31mred";
    let event = serde_json::json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "e", "namespace": "default", "uid": "u", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "note": note, "reason": "Pulled", "type": "Normal", "regarding": {"kind": "Pod", "name": "p"}
    });
    std::fs::write(dir.join("event.json"), event.to_string()).expect("write");
    for format in ["table", "line", "csv"] {
        let out = common::kubequery()
            .args(["query", "-o", format, "--snapshot"])
            .arg(&dir)
            .arg("SELECT note FROM kubernetes_events")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\u{9b}'),
            "{format}: {stdout:?}"
        );
        assert!(stdout.contains("\\u{1b}]52;c;aGFja2Vk\\u{7}"), "{format} shows the sequence escaped: {stdout}");
    }
    // JSON escapes control characters by itself, and keeps the exact text.
    let out = common::kubequery()
        .args(["query", "-o", "json", "--snapshot"])
        .arg(&dir)
        .arg("SELECT note FROM kubernetes_events")
        .output()
        .expect("run");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(rows[0]["note"], note);
}
