//! Kubernetes' naming rules for what a table declares as its source, checked at load.
//!
//! A declared group, version, resource or kind ends up in a request path, in a snapshot
//! index and in the Secret check, so anything the API server itself would never accept is
//! refused here: no `/`, `?`, `#`, `%` or `..` can smuggle a second meaning into a request,
//! and no upper-case or encoded spelling can dodge the check for Secrets.

use thiserror::Error;

/// The longest DNS-1123 subdomain (API group).
const MAX_SUBDOMAIN: usize = 253;
/// The longest DNS label (version, resource, kind).
const MAX_LABEL: usize = 63;

/// One declared name that breaks its rule.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("source {field} {value:?} {rule}")]
pub struct NameError {
    /// `group`, `version`, `resource`, `kind` or `path`.
    pub field: &'static str,
    pub value: String,
    /// What the rule is, in words.
    pub rule: &'static str,
}

fn error(field: &'static str, value: &str, rule: &'static str) -> NameError {
    NameError { field, value: value.to_string(), rule }
}

/// A DNS-1035 label: `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
fn is_dns1035_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LABEL
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// A DNS-1123 label: like DNS-1035 but may start with a digit.
fn is_dns1123_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LABEL
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// API group: `""` (the core group) or a DNS-1123 subdomain such as `apps` or
/// `cert-manager.io`. `core` is refused: the core group is spelled `""`, and a second
/// spelling would be a second way to name core Secrets.
pub fn check_group(group: &str) -> Result<(), NameError> {
    if group.is_empty() {
        return Ok(());
    }
    if group == "core" {
        return Err(error("group", group, "is not served by any API server: the core group is spelled \"\""));
    }
    if group.len() > MAX_SUBDOMAIN || !group.split('.').all(is_dns1123_label) {
        return Err(error(
            "group",
            group,
            "is not a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)",
        ));
    }
    Ok(())
}

/// API version: a DNS-1035 label such as `v1` or `v1beta1`, as CRD versions must be.
pub fn check_version(version: &str) -> Result<(), NameError> {
    if is_dns1035_label(version) {
        Ok(())
    } else {
        Err(error("version", version, "is not an API version (a lowercase DNS label such as v1 or v1beta1)"))
    }
}

/// Plural resource name: a DNS-1035 label such as `pods` or `certificates`, as a CRD's
/// `spec.names.plural` must be. No subresources (`pods/log`): they are not Lists.
pub fn check_resource(resource: &str) -> Result<(), NameError> {
    if is_dns1035_label(resource) {
        Ok(())
    } else {
        Err(error(
            "resource",
            resource,
            "is not a resource name (a lowercase plural such as pods: letters, digits and '-', at most 63 characters)",
        ))
    }
}

/// Kind: a letter, then letters, digits or `-`, at most 63 characters (a CRD's kind must be
/// a DNS-1035 label once lower-cased).
pub fn check_kind(kind: &str) -> Result<(), NameError> {
    if is_dns1035_label(&kind.to_ascii_lowercase()) && kind.as_bytes()[0].is_ascii_alphabetic() {
        Ok(())
    } else {
        Err(error("kind", kind, "is not a kind (a letter, then letters, digits or '-', such as Certificate)"))
    }
}

/// A fixed API path: `/` then segments of letters, digits, `-`, `_` and `.`, none empty,
/// `.` or `..`; no query, fragment or percent-encoding. Paths that name Secrets are refused:
/// a Secret can only be read as a resource source, which the host lists as metadata.
pub fn check_path(path: &str) -> Result<(), NameError> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(error("path", path, "must start with '/'"));
    };
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if path.len() > 1024 || !rest.split('/').all(segment_ok) {
        return Err(error(
            "path",
            path,
            "is not a plain API path (segments of letters, digits, '-', '_' and '.'; no empty, '.' or '..' \
             segment, query, fragment or percent-encoding)",
        ));
    }
    if rest.split('/').any(|s| s.eq_ignore_ascii_case("secrets")) {
        return Err(error(
            "path",
            path,
            "names Secrets; Secrets are only read as a resource source, as metadata, with the operator's grant",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass() {
        for group in ["", "apps", "cert-manager.io", "rbac.authorization.k8s.io", "acme.cert-manager.io"] {
            assert_eq!(check_group(group), Ok(()), "{group}");
        }
        for version in ["v1", "v1beta1", "v2alpha3"] {
            assert_eq!(check_version(version), Ok(()));
        }
        for resource in ["pods", "persistentvolumeclaims", "csinodes", "x-widgets"] {
            assert_eq!(check_resource(resource), Ok(()));
        }
        for kind in ["Pod", "CSINode", "Certificate", "APIService"] {
            assert_eq!(check_kind(kind), Ok(()));
        }
        for path in ["/version", "/apis/metrics.k8s.io/v1beta1/nodes", "/healthz"] {
            assert_eq!(check_path(path), Ok(()));
        }
    }

    #[test]
    fn adversarial_spellings_fail_with_their_field() {
        for resource in
            ["secrets#", "secrets?x=1", "secrets/", "secrets/x", "Secrets", "%73ecrets", "../secrets", "", "pods log"]
        {
            assert_eq!(check_resource(resource).map_err(|e| e.field), Err("resource"), "{resource:?}");
        }
        for group in ["core", "Apps", "a..b", "-a", "a/b", "x?y", "%61pps"] {
            assert_eq!(check_group(group).map_err(|e| e.field), Err("group"), "{group:?}");
        }
        for version in ["", "V1", "v1/", "1", "v1?x"] {
            assert_eq!(check_version(version).map_err(|e| e.field), Err("version"), "{version:?}");
        }
        for kind in ["", "1Pod", "Pod#", "Po d", "Pod/x"] {
            assert_eq!(check_kind(kind).map_err(|e| e.field), Err("kind"), "{kind:?}");
        }
        for path in [
            "version",
            "/api/v1/secrets",
            "/api/v1/namespaces/x/Secrets/y",
            "/api/v1/../v1/secrets",
            "/api//v1",
            "/api/v1/%73ecrets",
            "/version?x=1",
            "/version#x",
        ] {
            assert_eq!(check_path(path).map_err(|e| e.field), Err("path"), "{path:?}");
        }
    }
}
