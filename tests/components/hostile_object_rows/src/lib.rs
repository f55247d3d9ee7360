//! A `kubequery:table@0.2.2` table that tells where each object's rows end but breaks the
//! promise that goes with it: a row's values depend on the page, not on its object alone (each
//! row holds its item's position and the page's item count). `kubequery table test` must catch
//! it, since the watch cache would otherwise serve rows made from another page.

wit_bindgen::generate!({ path: "../../../wit/v0.2.2", world: "object-rows-component" });

use exports::kubequery::table::object_rows::ObjectPageRows;
use kubequery::table::types::{
    ApiResource, Column, ColumnOptions, ColumnType, PageRequest, PageRows, Source, TableSchema,
};

struct HostileObjectRows;

/// One row per item: `item-<position>` and the page's item count; the items are counted by
/// their `metadata` keys, which is enough for the test's namespaces.
fn page_rows(page: &[u8]) -> (PageRows, Vec<u32>) {
    let items = page.windows(11).filter(|w| w == b"\"metadata\":").count().saturating_sub(1);
    let mut cells = Vec::new();
    for position in 0..items {
        let name = format!("item-{position}");
        cells.push(3);
        cells.extend_from_slice(&(name.len() as u32).to_le_bytes());
        cells.extend_from_slice(name.as_bytes());
        cells.push(1);
        cells.extend_from_slice(&(items as i64).to_le_bytes());
    }
    let ends = (1..=items as u32).collect();
    (PageRows { count: items as u32, cells, errors: Vec::new() }, ends)
}

impl exports::kubequery::table::table::Guest for HostileObjectRows {
    fn schema() -> TableSchema {
        let column = |name: &str, type_| Column {
            name: name.into(),
            type_,
            description: String::new(),
            options: ColumnOptions::empty(),
            pushdown: None,
        };
        TableSchema {
            name: "hostile_object_rows".into(),
            description: "Rows that depend on their page".into(),
            columns: vec![column("name", ColumnType::Text), column("items", ColumnType::Bigint)],
            source: Source::Resource(ApiResource {
                group: String::new(),
                version: "v1".into(),
                resource: "namespaces".into(),
                kind: "Namespace".into(),
                namespaced: false,
                metadata_only: false,
            }),
        }
    }

    fn rows(page: Vec<u8>, _request: PageRequest) -> Result<PageRows, String> {
        Ok(page_rows(&page).0)
    }
}

impl exports::kubequery::table::object_rows::Guest for HostileObjectRows {
    fn rows_by_object(page: Vec<u8>, _request: PageRequest) -> Result<ObjectPageRows, String> {
        let (rows, ends) = page_rows(&page);
        Ok(ObjectPageRows { rows, ends })
    }
}

export!(HostileObjectRows);
