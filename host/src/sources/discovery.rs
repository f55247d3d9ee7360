//! Discovery documents: which files of a snapshot are ones (APIResourceLists, `/api/v1` or
//! `/apis/<group>/<version>`, and arrays of `/apis`' APIGroups), and the resources an
//! APIResourceList lists, for the generic resource tables: live clusters read them from their
//! API servers, snapshots from the discovery files saved with them.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::schema::ApiResource;

/// An APIResourceList's shape, as discovery answers it or as clients write it without `kind`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shape<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    group_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    resources: Option<&'a RawValue>,
}

/// Whether `document` is an APIResourceList: its `kind` says so, or, without one, it has a
/// `groupVersion` and `resources`.
pub(crate) fn is_resource_list(document: &[u8]) -> bool {
    serde_json::from_slice::<Shape>(document).is_ok_and(|shape| match shape.kind.as_deref() {
        Some(kind) => kind == "APIResourceList",
        None => shape.group_version.is_some() && shape.resources.is_some(),
    })
}

/// Whether `document` is an array of discovery's APIGroups (`/apis`' groups), as clients write
/// them without their `kind`: objects with a `name` and `versions`, and nothing an APIGroup
/// does not have.
pub(crate) fn is_api_group_array(document: &[u8]) -> bool {
    const MEMBERS: &[&str] =
        &["name", "versions", "preferredVersion", "serverAddressByClientCIDRs", "kind", "apiVersion"];
    let Ok(groups) = serde_json::from_slice::<Vec<HashMap<Cow<str>, &RawValue>>>(document) else {
        return false;
    };
    !groups.is_empty()
        && groups.iter().all(|group| {
            group.contains_key("name")
                && group.contains_key("versions")
                && group.keys().all(|key| MEMBERS.contains(&key.as_ref()))
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceList {
    #[serde(default)]
    group_version: String,
    #[serde(default)]
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    namespaced: bool,
    /// Absent in some saved documents; when present, a resource must be listable.
    verbs: Option<Vec<String>>,
}

/// The listable resources of one APIResourceList (subresources such as `pods/log` left out);
/// none when it is not one.
pub(crate) fn resources_of(document: &[u8]) -> Vec<ApiResource> {
    let Ok(list) = serde_json::from_slice::<ResourceList>(document) else { return Vec::new() };
    let (group, version) = match list.group_version.split_once('/') {
        Some((group, version)) => (group.to_string(), version.to_string()),
        None => (String::new(), list.group_version.clone()),
    };
    if version.is_empty() {
        return Vec::new();
    }
    list.resources
        .into_iter()
        .filter(|r| !r.name.is_empty() && !r.name.contains('/') && !r.kind.is_empty())
        .filter(|r| r.verbs.as_ref().is_none_or(|verbs| verbs.iter().any(|v| v == "list")))
        .map(|r| ApiResource {
            group: group.clone(),
            version: version.clone(),
            resource: r.name,
            kind: r.kind,
            namespaced: r.namespaced,
            metadata_only: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listable_resources_without_subresources() {
        let doc = br#"{"kind":"APIResourceList","groupVersion":"coordination.k8s.io/v1","resources":[
            {"name":"leases","singularName":"lease","namespaced":true,"kind":"Lease","verbs":["get","list","watch"]},
            {"name":"leases/status","namespaced":true,"kind":"Lease","verbs":["get"]},
            {"name":"tokenreviews","namespaced":false,"kind":"TokenReview","verbs":["create"]}]}"#;
        let resources = resources_of(doc);
        assert_eq!(resources.len(), 1);
        let lease = &resources[0];
        assert_eq!(
            (lease.group.as_str(), lease.version.as_str(), lease.resource.as_str()),
            ("coordination.k8s.io", "v1", "leases")
        );
        assert!(lease.namespaced);
        assert!(resources_of(b"[1]").is_empty());
    }
}
