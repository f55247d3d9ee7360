//! Shared test harness: the built binary, fixtures, an in-process engine, and the hostile
//! components of tests/components (built once per run, by cargo).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use kubequery::catalog::{Catalog, Loading};

// How host/build.rs builds components, shared.
#[path = "../../host/build/guest.rs"]
pub mod guest;
pub mod scheduled;
use kubequery::schema::TableSchema;
use kubequery::sources::DataSource;
use kubequery::sql::{Engine, QueryError, ResultSink};
use kubequery::wasm::{Limits, Runtime};
use rusqlite::types::Value;

/// The source of a namespaced core (`v1`) resource.
pub fn core_source(resource: &str, kind: &str, metadata_only: bool) -> kubequery::schema::Source {
    kubequery::schema::Source::Resource(kubequery::schema::ApiResource {
        metadata_only,
        ..kubequery::schema::ApiResource::core(resource, kind)
    })
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_path_buf()
}

pub fn fixture(path: &str) -> PathBuf {
    repo().join("tests/fixtures").join(path)
}

/// A scratch directory unique to the calling test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

/// Compiled components shared by all tests, so only the first test pays for compiling.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-cache")
}

/// The kubequery binary, with the test cache and no user configuration.
/// Runs `command` to its end: its output, and its stdout and stderr as text.
pub fn run_command(command: &mut Command) -> (std::process::Output, String, String) {
    let output = command.output().expect("running kubequery");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

pub fn kubequery() -> Command {
    // Nothing of the user's environment: no kubeconfig, no in-cluster service account.
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("home");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubequery"));
    cmd.env("KUBEQUERY_CACHE_DIR", cache_dir())
        .env("HOME", home)
        .env_remove("KUBEQUERY_LOG")
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST");
    cmd
}

pub fn runtime(limits: Limits) -> Runtime {
    Runtime::new(Some(cache_dir()), limits).expect("starting the runtime")
}

pub fn builtin_catalog() -> Catalog {
    Catalog::builtin(&runtime(Limits::default()), Loading::AtFirstScan).expect("loading built-in tables")
}

/// Rows of every statement, as JSON objects; columns the schema marks `json` are parsed.
#[derive(Default)]
pub struct Collected {
    pub statements: Vec<Vec<serde_json::Map<String, serde_json::Value>>>,
    columns: Vec<String>,
}

impl ResultSink for Collected {
    fn begin(&mut self, columns: &[String]) -> std::io::Result<()> {
        self.columns = columns.to_vec();
        self.statements.push(Vec::new());
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> std::io::Result<()> {
        let object = self
            .columns
            .iter()
            .zip(values)
            .map(|(c, v)| {
                let v = match v {
                    Value::Null => serde_json::Value::Null,
                    Value::Integer(i) => serde_json::Value::from(*i),
                    Value::Real(f) => serde_json::Value::from(*f),
                    Value::Text(s) => serde_json::Value::String(s.clone()),
                    Value::Blob(_) => panic!("tables never return blobs"),
                };
                (c.clone(), v)
            })
            .collect();
        self.statements.last_mut().expect("begin() came first").push(object);
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An in-process engine serving every table of `catalog` from `source`.
pub fn engine(catalog: &Catalog, source: Arc<dyn DataSource>) -> Engine {
    let tables: Vec<_> = catalog.tables().cloned().collect();
    Engine::new(&tables, source).expect("creating the engine")
}

/// Runs `sql` in-process and returns each statement's rows, or the errors.
pub fn query(
    catalog: &Catalog,
    source: Arc<dyn DataSource>,
    sql: &str,
) -> Result<Vec<Vec<serde_json::Map<String, serde_json::Value>>>, Vec<QueryError>> {
    run(&engine(catalog, source), sql)
}

pub fn run(
    engine: &Engine,
    sql: &str,
) -> Result<Vec<Vec<serde_json::Map<String, serde_json::Value>>>, Vec<QueryError>> {
    let mut collected = Collected::default();
    let errors = engine.run(sql, &mut collected);
    if errors.is_empty() { Ok(collected.statements) } else { Err(errors) }
}

/// Parses the JSON-valued columns of `rows` so they compare as documents, not text.
pub fn parse_json_columns(schema: &TableSchema, rows: &mut [serde_json::Map<String, serde_json::Value>]) {
    for row in rows {
        for column in schema.columns.iter().filter(|c| c.options.json) {
            if let Some(serde_json::Value::String(text)) = row.get(&column.name) {
                let parsed = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("{}.{} is not JSON ({e}): {text}", schema.name, column.name));
                row.insert(column.name.clone(), parsed);
            }
        }
    }
}

/// The outer build's target directory (`target/`).
pub fn target_dir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp is inside the target directory")
}

/// The hostile components, built from tests/components on first use.
pub fn hostile_components() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        guest::build_components(&repo().join("tests/components"), &target_dir().join("test-components"), &[])
    })
}

/// A Python with tests/requirements.txt installed: target/test-venv, created on first
/// use (`.ci/run` creates it up front). A lock keeps parallel test processes from racing.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/ exists").to_path_buf();
            let venv = target.join("test-venv");
            let python = venv.join("bin/python");
            let requirements = repo().join("tests/requirements.txt");
            let lock = std::fs::File::create(target.join("test-venv.lock")).expect("creating the venv lock");
            lock.lock().expect("locking the venv");
            // Installed once per version of the requirements file.
            let wanted = std::fs::read_to_string(&requirements).expect("reading tests/requirements.txt");
            let stamp = venv.join("requirements.installed");
            let ready = python.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted);
            if !ready {
                let status =
                    Command::new("python3").args(["-m", "venv"]).arg(&venv).status().expect("python3 is installed");
                assert!(status.success(), "python3 -m venv {} failed", venv.display());
                let status = Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                    .arg(&requirements)
                    .status()
                    .expect("running pip");
                assert!(status.success(), "pip install -r {} failed (is PyPI reachable?)", requirements.display());
                std::fs::write(&stamp, wanted).expect("writing the venv stamp");
            }
            python
        })
        .clone()
}

/// A copy of the `spelled_source` test component declaring table `name` over
/// `(group, version, resource, kind)`, metadata-only or not: its spec bytes are rewritten in
/// place (same length), so one build gives every spelling. Returns the path of the copy.
pub fn spelled_component(name: &str, source: (&str, &str, &str, &str), metadata_only: bool) -> PathBuf {
    spelled_component_with(name, source, metadata_only, "")
}

/// [`spelled_component`] with extra spec fields (`|sleep`: `schema()` sleeps two minutes).
pub fn spelled_component_with(
    name: &str,
    source: (&str, &str, &str, &str),
    metadata_only: bool,
    extra: &str,
) -> PathBuf {
    const MARKER: &[u8] = b"KUBEQUERY-TEST-SOURCE:";
    const SPEC_LEN: usize = 192;
    let built = hostile_components().join("spelled_source.wasm");
    let mut wasm = std::fs::read(&built).expect("reading spelled_source.wasm");
    let at: Vec<usize> = wasm.windows(MARKER.len()).enumerate().filter(|(_, w)| *w == MARKER).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "the spec marker must occur once in spelled_source.wasm");
    let (group, version, resource, kind) = source;
    let spec = format!("{name}|{group}|{version}|{resource}|{kind}|{}{extra}", u8::from(metadata_only));
    let start = at[0] + MARKER.len();
    let room = SPEC_LEN - MARKER.len();
    assert!(spec.len() <= room, "spec too long: {spec}");
    wasm[start..start + room].copy_from_slice(format!("{spec:<room$}").as_bytes());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spelled");
    std::fs::create_dir_all(&dir).expect("creating the spelled components directory");
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, wasm).expect("writing a spelled component");
    path
}

/// Runs scenario `scenario` of the osquery peer (tests/osquery/peer.py) against the built
/// binary, with third-party tables from `tables_dir` and `env` (`KEY=VALUE`) for the
/// extension instead of the demo cluster. The caller checks the output.
pub fn osquery_peer(scenario: &str, tables_dir: Option<&Path>, env: &[String]) -> std::process::Output {
    let mut peer = Command::new(python());
    peer.arg(repo().join("tests/osquery/peer.py"))
        .args(["run", scenario, "--kubequery", env!("CARGO_BIN_EXE_kubequery"), "--schema"])
        .arg(fixture("kubequery-1.1.1-schema.json"))
        .env("KUBEQUERY_CACHE_DIR", cache_dir());
    if let Some(dir) = tables_dir {
        peer.arg("--tables-dir").arg(dir);
    }
    for variable in env {
        peer.args(["--env", variable]);
    }
    peer.output().expect("running the osquery peer")
}

/// `../shared/realworld`, third parties' dumps of real clusters, read in place (CI has it);
/// `None`, said where the person running the tests sees it, when it is absent, for the
/// checks named `what`.
pub fn realworld(what: &str) -> Option<PathBuf> {
    let dir = repo().parent().map(|p| p.join("shared/realworld")).filter(|d| d.is_dir());
    if dir.is_none() {
        skipped(what, "../shared/realworld is absent");
    }
    dir
}

/// Says that a check was skipped, and why, where the person running the tests sees it: on
/// stderr directly, which libtest does not capture (it captures `eprintln!`, and shows that
/// only for failing tests).
pub fn skipped(what: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {what}: {why}");
}
