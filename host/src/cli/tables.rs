//! `kubequery tables` and `kubequery schema`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use kubequery::catalog::{Catalog, Loading};
use kubequery::schema::{Column, GENERIC_PREFIX, TableSchema};
use kubequery::sql::GenericTables;
use kubequery::wasm::{Origin, TableComponent};

use super::SourceArgs;
use super::settings::Settings;

#[derive(clap::Args)]
pub struct TablesArgs {
    /// Also list the generic tables (`k8s_…`) of the resources the source serves that no typed
    /// table reads: reads discovery (or the snapshot) and the CRDs
    #[arg(long)]
    pub generic: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// The generic tables of the source `settings` name.
fn generic_tables(settings: &Settings, catalog: &Catalog) -> anyhow::Result<GenericTables> {
    let Some(template) = catalog.generic() else { bail!("this build has no generic table component") };
    let source = settings.source(Some(catalog), true)?;
    let typed: Vec<Arc<TableComponent>> = catalog.tables().cloned().collect();
    Ok(GenericTables::new(template.clone(), source, &typed))
}

/// One line per table; third-party tables also name their file. With `generic`, the generic
/// tables of the source follow the typed ones.
pub fn list(settings: &Settings, generic: bool) -> anyhow::Result<ExitCode> {
    let catalog = settings.catalog(Loading::AtFirstScan)?;
    let mut tables: Vec<Arc<TableComponent>> = catalog.tables().cloned().collect();
    if generic {
        tables.extend(generic_tables(settings, &catalog)?.all());
    }
    let width = tables.iter().map(|t| t.schema.name.len()).max().unwrap_or(0);
    for table in &tables {
        match &table.origin {
            Origin::Builtin(_) => println!("{:width$}  {}", table.schema.name, table.schema.description),
            Origin::File(path) => {
                println!("{:width$}  {} [{}]", table.schema.name, table.schema.description, path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The columns of `table`, or of every typed table; a generic table's from the source.
pub fn schema(settings: &Settings, table: Option<&str>, markdown: bool) -> anyhow::Result<ExitCode> {
    let catalog = settings.catalog(Loading::AtFirstScan)?;
    match table {
        Some(name) if catalog.get(name).is_none() && name.starts_with(GENERIC_PREFIX) => {
            let tables = generic_tables(settings, &catalog)?;
            let Some(table) = tables.table(name) else {
                match tables.typed_table_for(name) {
                    Some(typed) => bail!("no table named {name:?}; its resource is read by the typed table {typed}"),
                    None => bail!("no table named {name:?}; `kubequery tables --generic` lists the generic tables"),
                }
            };
            print_schemas(&[&table.schema], markdown);
            Ok(ExitCode::SUCCESS)
        }
        _ => catalog_schema(&catalog, table, markdown),
    }
}

/// The columns of the catalog's `table`, or of every table in it.
pub fn catalog_schema(catalog: &Catalog, table: Option<&str>, markdown: bool) -> anyhow::Result<ExitCode> {
    let tables: Vec<&TableSchema> = match table {
        Some(name) => match catalog.get(name) {
            Some(table) => vec![&table.schema],
            None => match kubequery::sql::closest(name, catalog.tables().map(|t| t.schema.name.as_str())) {
                Some(close) => bail!("no table named {name:?}; did you mean {close}? `kubequery tables` lists them"),
                None => bail!("no table named {name:?}; `kubequery tables` lists them"),
            },
        },
        None => catalog.tables().map(|t| &t.schema).collect(),
    };
    print_schemas(&tables, markdown);
    Ok(ExitCode::SUCCESS)
}

/// Prints `tables`' columns, as text or Markdown.
pub fn print_schemas(tables: &[&TableSchema], markdown: bool) {
    if markdown {
        print!("{}", markdown_schema(tables));
    } else {
        for (i, schema) in tables.iter().enumerate() {
            if i > 0 {
                println!();
            }
            println!("{} — {} (source: {})", schema.name, schema.description, schema.source);
            let width = schema.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
            for column in &schema.columns {
                println!(
                    "  {:width$}  {:7}  {}{}",
                    column.name,
                    column.ty.sql_name(),
                    column.description,
                    flags(column)
                );
            }
        }
    }
}

fn flags(column: &Column) -> String {
    let mut flags = Vec::new();
    let o = column.options;
    for (on, name) in [(o.json, "json"), (o.index, "index"), (o.required, "required"), (o.hidden, "hidden")] {
        if on {
            flags.push(name);
        }
    }
    if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) }
}

/// The schema reference as Markdown: one section per table.
fn markdown_schema(tables: &[&TableSchema]) -> String {
    let mut out = String::from(
        "# Table reference\n\nGenerated by `kubequery schema --markdown` from the table components themselves; do not edit.\n\n",
    );
    for schema in tables {
        out.push_str(&format!("## `{}`\n\n{}\n\nSource: {}\n\n", schema.name, schema.description, schema.source));
        out.push_str("| # | column | type | from | options |\n|---|---|---|---|---|\n");
        for (i, c) in schema.columns.iter().enumerate() {
            let options = flags(c);
            let options = options.trim().trim_start_matches('[').trim_end_matches(']');
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                i + 1,
                c.name,
                c.ty.sql_name(),
                c.description,
                options
            ));
        }
        out.push('\n');
    }
    out
}
