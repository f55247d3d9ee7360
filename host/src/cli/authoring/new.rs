//! `kubequery table new`: a table crate that builds out of the box.
//!
//! The crate carries the WIT it targets (`wit/`) and a copy of the SDK (`sdk/`), with the same
//! dependency versions and release profile as kubequery's own tables, so it builds anywhere
//! with crates.io alone; its fixture and golden file make `kubequery table test` pass before
//! the author changes a line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail, ensure};
use clap::Args;

include!(concat!(env!("OUT_DIR"), "/scaffold_files.rs"));

const CARGO_TOML: &str = include_str!("../../../templates/table/Cargo.toml");
const LIB_RS: &str = include_str!("../../../templates/table/lib.rs");
const README: &str = include_str!("../../../templates/table/README.md");
const INPUT: &str = include_str!("../../../templates/table/input.json");
const EXPECTED: &str = include_str!("../../../templates/table/expected.json");
const GITIGNORE: &str = include_str!("../../../templates/table/gitignore");

/// Where the SDK finds the WIT: beside kubequery's tables it is two levels up, in a new crate
/// one (`<crate>/sdk` → `<crate>/wit`).
const SDK_WIT_PATH: (&str, &str) = ("path: \"../../wit/", "path: \"../wit/");

#[derive(Args)]
pub struct NewArgs {
    /// Table name, also the crate's and the directory's name (lowercase letters, digits, `_`)
    name: String,
    /// The API resource the table reads: GROUP/VERSION/PLURAL, or VERSION/PLURAL for the core group
    #[arg(long, default_value = "example.com/v1/widgets", value_name = "GROUP/VERSION/PLURAL")]
    resource: String,
    /// The resource's kind [default: the singular of PLURAL, capitalised]
    #[arg(long)]
    kind: Option<String>,
    /// The resource is cluster-scoped (no namespace column)
    #[arg(long)]
    cluster_scoped: bool,
    /// Create the crate in DIR/NAME
    #[arg(long, default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// The kubequery:table release to build against: 0.2 (packed rows, only the columns read
    /// computed), or 0.1 for kubequery hosts older than 0.2
    #[arg(long, default_value = "0.2", value_name = "VERSION", value_parser = ["0.1", "0.2"])]
    wit: String,
}

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    ensure!(
        kubequery::schema::is_identifier(&args.name),
        "table name {:?}: use lowercase letters, digits and `_`, not starting with a digit (it is a SQL name)",
        args.name
    );
    let (group, version, resource) = parse_resource(&args.resource)?;
    let kind = args.kind.clone().unwrap_or_else(|| kind_of(&resource));
    // The kind names the table's Rust type too, so it takes Rust's rules on top of Kubernetes'.
    ensure!(
        kind.starts_with(|c: char| c.is_ascii_uppercase()) && kind.chars().all(|c| c.is_ascii_alphanumeric()),
        "--kind {kind:?}: expected a kind such as Certificate (an upper-case letter, then letters and digits)"
    );
    let root = args.dir.join(&args.name);
    if root.exists() {
        bail!("{} already exists; pick another name or --dir", root.display());
    }

    let api_version = if group.is_empty() { version.clone() } else { format!("{group}/{version}") };
    let qualified = if group.is_empty() { resource.clone() } else { format!("{resource}.{group}") };
    let namespaced = !args.cluster_scoped;
    let fill = |template: &str| {
        template
            .replace("{{name}}", &args.name)
            .replace("{{group}}", &group)
            .replace("{{version}}", &version)
            .replace("{{resource}}", &resource)
            .replace("{{kind}}", &kind)
            .replace("{{api_version}}", &api_version)
            .replace("{{qualified}}", &qualified)
            .replace("{{namespaced}}", if namespaced { ".namespaced()" } else { "" })
            .replace("{{namespace_column}}", if namespaced { " namespace," } else { "" })
    };
    let (sdk_dependency, wit_release) = if args.wit == "0.1" {
        (
            "kubequery-table-sdk = { workspace = true, features = [\"wit-0-1\"] }",
            "`kubequery:table@0.1.0`, through the SDK's `wit-0-1` feature; drop the feature to build against 0.2.2",
        )
    } else {
        ("kubequery-table-sdk.workspace = true", "`kubequery:table@0.2.2`")
    };
    let namespace_field =
        |indent: &str| if namespaced { format!("\n{indent}\"namespace\": \"default\",") } else { String::new() };

    let mut files: Vec<(PathBuf, String)> = vec![
        (
            "Cargo.toml".into(),
            fill(CARGO_TOML)
                .replace("{{sdk_dependency}}", sdk_dependency)
                .replace("{{workspace}}", &workspace_sections()?),
        ),
        ("src/lib.rs".into(), fill(LIB_RS)),
        ("README.md".into(), fill(README).replace("{{wit_release}}", wit_release)),
        (".gitignore".into(), GITIGNORE.to_string()),
        ("tests/input/example.json".into(), fill(INPUT).replace("{{namespace_field}}", &namespace_field("        "))),
        ("tests/expected.json".into(), fill(EXPECTED).replace("{{namespace_field}}", &namespace_field("    "))),
    ];
    for (path, text) in SCAFFOLD_FILES {
        let target = match path.strip_prefix("tables/") {
            Some("Cargo.toml") => continue,
            Some(rest) => PathBuf::from(rest),
            None => PathBuf::from(path),
        };
        let text = if *path == "tables/sdk/src/lib.rs" {
            ensure!(text.contains(SDK_WIT_PATH.0), "the embedded SDK no longer names its WIT as expected");
            text.replace(SDK_WIT_PATH.0, SDK_WIT_PATH.1)
        } else {
            text.to_string()
        };
        files.push((target, text));
    }

    for (relative, text) in &files {
        write(&root, relative, text)?;
    }
    println!(
        "Created {} (table {}, reading {qualified} {api_version}, kind {kind}; kubequery:table@{}.0).",
        root.display(),
        args.name,
        args.wit
    );
    if args.kind.is_none() {
        println!("The kind was derived from the plural; pass --kind if it is not {kind}.");
    }
    println!(
        "\n  cd {}\n  cargo build --release --target wasm32-wasip2\n  kubequery table test target/wasm32-wasip2/release/{}.wasm \\\n    --input tests/input/example.json --expect tests/expected.json",
        root.display(),
        args.name
    );
    Ok(ExitCode::SUCCESS)
}

fn write(root: &Path, relative: &Path, text: &str) -> anyhow::Result<()> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// `GROUP/VERSION/PLURAL` or `VERSION/PLURAL`.
fn parse_resource(text: &str) -> anyhow::Result<(String, String, String)> {
    let parts: Vec<&str> = text.split('/').collect();
    let (group, version, resource) = match parts.as_slice() {
        [group, version, resource] => (*group, *version, *resource),
        [version, resource] => ("", *version, *resource),
        _ => bail!("--resource {text:?}: expected GROUP/VERSION/PLURAL (or VERSION/PLURAL for the core group)"),
    };
    let word = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    ensure!(
        word(version) && word(resource) && (group.is_empty() || word(group)),
        "--resource {text:?}: group, version and plural are lowercase names, e.g. cert-manager.io/v1/certificates"
    );
    Ok((group.to_string(), version.to_string(), resource.to_string()))
}

/// `certificates` → `Certificate`, `policies` → `Policy`, `ingresses` → `Ingress`.
fn kind_of(plural: &str) -> String {
    let singular = if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "xes", "ches", "shes"].iter().any(|s| plural.ends_with(s)) {
        plural[..plural.len() - 2].to_string()
    } else {
        plural.strip_suffix('s').unwrap_or(plural).to_string()
    };
    let mut chars = singular.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// kubequery's own `[workspace.package]`, `[workspace.dependencies]` and release profile.
fn workspace_sections() -> anyhow::Result<String> {
    let manifest = SCAFFOLD_FILES
        .iter()
        .find(|(path, _)| *path == "tables/Cargo.toml")
        .map(|(_, text)| *text)
        .context("the embedded tables/Cargo.toml is missing")?;
    let mut out = String::new();
    let mut keep = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[workspace.") || line.starts_with("[profile.");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    ensure!(out.contains("[workspace.dependencies]"), "the embedded tables/Cargo.toml has no [workspace.dependencies]");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_plurals() {
        assert_eq!(kind_of("certificates"), "Certificate");
        assert_eq!(kind_of("networkpolicies"), "Networkpolicy");
        assert_eq!(kind_of("ingresses"), "Ingress");
        assert_eq!(kind_of("pods"), "Pod");
    }

    #[test]
    fn resources() {
        assert_eq!(
            parse_resource("cert-manager.io/v1/certificates").expect("valid"),
            ("cert-manager.io".into(), "v1".into(), "certificates".into())
        );
        assert_eq!(parse_resource("v1/pods").expect("valid"), (String::new(), "v1".into(), "pods".into()));
        assert!(parse_resource("pods").is_err());
        assert!(parse_resource("a/b/C").is_err());
    }
}
