//! The deployment artifacts: the Kubernetes manifest validates offline against Kubernetes'
//! schemas, grants exactly what the built-in tables read, carries the same osquery files as
//! the image, and schedules every built-in table with a query that works; the Dockerfile
//! passes hadolint.

use crate::common;

use std::collections::BTreeSet;
use std::process::Command;

use kubequery::schema::Source;
use serde::Deserialize;

fn venv_tool(name: &str) -> std::path::PathBuf {
    common::python().parent().expect("venv bin/").join(name)
}

fn manifest() -> Vec<serde_json::Value> {
    documents("kubequery.yaml")
}

fn documents(file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(common::repo().join("docs/deploy").join(file)).expect("manifest");
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| serde_json::Value::deserialize(doc).expect("YAML document"))
        .collect()
}

fn object<'a>(docs: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("the manifest has a {kind}"))
}

#[test]
fn manifests_validate_against_kubernetes_schemas() {
    for file in ["kubequery.yaml", "secret-metadata.yaml"] {
        let out = Command::new(venv_tool("kubernetes-validate"))
            .args(["--strict", "--kubernetes-version", "1.31.0"])
            .arg(common::repo().join("docs/deploy").join(file))
            .output()
            .expect("running kubernetes-validate");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{file}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// `(apiGroups × resources)` a ClusterRole's resource rules grant, each rule with exactly the
/// read-only `verbs`; non-resource URLs (`get` only) go to `urls`.
fn granted(role: &serde_json::Value, verbs: &[&str], urls: &mut BTreeSet<String>) -> BTreeSet<(String, String)> {
    let expected = verbs;
    let mut granted = BTreeSet::new();
    for rule in role["rules"].as_array().expect("rules") {
        let verbs: Vec<&str> = rule["verbs"].as_array().expect("verbs").iter().filter_map(|v| v.as_str()).collect();
        if let Some(list) = rule["nonResourceURLs"].as_array() {
            assert_eq!(verbs, ["get"], "read-only: {rule}");
            urls.extend(list.iter().filter_map(|u| u.as_str()).map(String::from));
            continue;
        }
        assert_eq!(verbs, expected, "read-only: {rule}");
        for group in rule["apiGroups"].as_array().expect("apiGroups") {
            for resource in rule["resources"].as_array().expect("resources") {
                granted.insert((group.as_str().unwrap_or("").to_string(), resource.as_str().unwrap_or("").to_string()));
            }
        }
    }
    granted
}

#[test]
fn dockerfile_passes_hadolint() {
    let out = Command::new(venv_tool("hadolint"))
        .args(["--failure-threshold", "warning"])
        .arg(common::repo().join("Dockerfile"))
        .output()
        .expect("running hadolint");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn cluster_role_grants_exactly_what_the_tables_read_and_secrets_only_in_the_optional_manifest() {
    let mut needed = BTreeSet::new();
    let mut needed_urls = BTreeSet::new();
    for table in common::builtin_catalog().tables() {
        match &table.schema.source {
            Source::Resource(r) if r.is_secrets() => {}
            Source::Resource(r) => {
                needed.insert((r.group.clone(), r.resource.clone()));
            }
            // The host answers it itself.
            Source::Path(path) if path == kubequery::sources::WATCH_CACHE_PATH => {}
            Source::Path(path) => {
                needed_urls.insert(path.clone());
            }
            Source::Discovery => needed_urls.extend(["/api", "/api/*", "/apis", "/apis/*"].map(String::from)),
        }
    }
    // The cluster identity is the uid of the kube-system namespace.
    needed.insert((String::new(), "namespaces".into()));
    let mut granted_urls = BTreeSet::new();
    // The watch cache lists each resource once, then watches it.
    let granted_main = granted(object(&manifest(), "ClusterRole"), &["get", "list", "watch"], &mut granted_urls);
    assert_eq!(
        granted_main, needed,
        "the ClusterRole must grant exactly the resources the built-in tables read, Secrets aside"
    );
    assert_eq!(granted_urls, needed_urls, "the ClusterRole must grant exactly the API paths the built-in tables read");

    let optional = documents("secret-metadata.yaml");
    let mut no_urls = BTreeSet::new();
    // Secrets are listed as metadata per query, never watched.
    let granted_secrets = granted(object(&optional, "ClusterRole"), &["get", "list"], &mut no_urls);
    assert_eq!(granted_secrets, BTreeSet::from([(String::new(), "secrets".to_string())]));
    assert!(no_urls.is_empty());
    let binding = object(&optional, "ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["name"], object(&optional, "ClusterRole")["metadata"]["name"]);
    assert_eq!(
        binding["subjects"],
        object(&manifest(), "ClusterRoleBinding")["subjects"],
        "binds kubequery's service account"
    );
}

#[test]
fn config_map_carries_the_image_osquery_files() {
    let docs = manifest();
    let data = &object(&docs, "ConfigMap")["data"];
    for file in ["osquery.flags", "osquery.conf"] {
        let on_disk = std::fs::read_to_string(common::repo().join("docs/deploy").join(file)).expect("file");
        assert_eq!(
            data[file].as_str(),
            Some(on_disk.as_str()),
            "{file} differs between the ConfigMap and docs/deploy/"
        );
    }
}

#[test]
fn the_query_pack_schedules_every_table_with_a_working_query() {
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("docs/deploy/osquery.conf")).expect("conf"))
            .expect("osquery.conf is JSON");
    let queries = conf["packs"]["kubequery"]["queries"].as_object().expect("pack queries");
    let tables: BTreeSet<String> = common::builtin_catalog().tables().map(|t| t.schema.name.clone()).collect();
    let scheduled: BTreeSet<String> = queries.keys().cloned().collect();
    assert_eq!(scheduled, tables, "one scheduled query per built-in table");
    for (name, query) in queries {
        let sql = query["query"].as_str().expect("query text");
        let out = common::kubequery().args(["query", "--demo", "-o", "jsonl", sql]).output().expect("run");
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        // The watch cache's state is empty on a snapshot, which has no cache.
        assert!(!out.stdout.is_empty() || name == "kubequery_cache", "{name} returns rows on the demo cluster");
        assert!(query["interval"].as_u64().is_some_and(|i| i >= 60), "{name}: interval");
    }
}

#[test]
fn osquery_flags_autoload_and_require_kubequery() {
    let flags = std::fs::read_to_string(common::repo().join("docs/deploy/osquery.flags")).expect("flags");
    for flag in ["--extensions_autoload=/etc/osquery/extensions.load", "--extensions_require=kubequery"] {
        assert!(flags.lines().any(|l| l == flag), "missing {flag}");
    }
    let dockerfile = std::fs::read_to_string(common::repo().join("Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains("kubequery.ext > /etc/osquery/extensions.load"), "the image registers the extension");
    assert!(dockerfile.contains("USER 10001"), "the image runs as a non-root user");
}
