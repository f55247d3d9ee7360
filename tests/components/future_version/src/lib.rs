//! Exports `kubequery:table/table@0.3.0`, a version from the future: the host must refuse it
//! and say which versions it supports.

wit_bindgen::generate!({ path: "wit", world: "table-component" });

struct Future;

impl exports::kubequery::table::table::Guest for Future {
    fn schema() -> String {
        "from the future".to_string()
    }
}

export!(Future);
