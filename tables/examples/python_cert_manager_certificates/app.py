"""cert_manager_certificates, written in Python: the same table as the Rust example in
../cert_manager_certificates, built with componentize-py against the same WIT
(wit/v0.1.0), to show that table authors are not tied to Rust.

    componentize-py -d ../../../wit/v0.1.0 -w table-component componentize app \
        -o cert_manager_certificates.wasm

The host calls `schema()` once at load and `rows(page, cluster)` once per List page; a
raised `Err` fails the scan with its message.
"""

import json
from datetime import datetime

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import (
    ApiResource,
    Cell_Integer,
    Cell_Null,
    Cell_Text,
    Column,
    ColumnOptions,
    ColumnType,
    Pushdown_LabelSelector,
    Pushdown_Name,
    Pushdown_Namespace,
    Source_Resource,
    TableSchema,
)

TEXT, INTEGER, BIGINT = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.BIGINT
NONE, JSON = ColumnOptions(0), ColumnOptions.JSON

# (name, type, description, options, pushdown): the order is the row order.
COLUMNS = [
    ("uid", TEXT, "metadata.uid", ColumnOptions.INDEX, None),
    ("cluster_name", TEXT, "cluster name chosen by the operator", NONE, None),
    ("cluster_uid", TEXT, "uid of the cluster's kube-system namespace", NONE, None),
    ("name", TEXT, "metadata.name", NONE, Pushdown_Name()),
    ("namespace", TEXT, "metadata.namespace", NONE, Pushdown_Namespace()),
    ("creation_timestamp", BIGINT, "metadata.creationTimestamp, Unix seconds", NONE, None),
    ("labels", TEXT, "metadata.labels", JSON, None),
    ("annotations", TEXT, "metadata.annotations", JSON, None),
    ("secret_name", TEXT, "spec.secretName", NONE, None),
    ("common_name", TEXT, "spec.commonName", NONE, None),
    ("dns_names", TEXT, "spec.dnsNames", JSON, None),
    ("issuer_name", TEXT, "spec.issuerRef.name", NONE, None),
    ("issuer_kind", TEXT, "spec.issuerRef.kind", NONE, None),
    ("issuer_group", TEXT, "spec.issuerRef.group", NONE, None),
    ("duration", TEXT, "spec.duration", NONE, None),
    ("renew_before", TEXT, "spec.renewBefore", NONE, None),
    ("is_ca", INTEGER, "spec.isCA", NONE, None),
    ("ready", INTEGER, "status.conditions[type=Ready].status is True", NONE, None),
    ("not_before", BIGINT, "status.notBefore, Unix seconds", NONE, None),
    ("not_after", BIGINT, "status.notAfter, Unix seconds", NONE, None),
    ("renewal_time", BIGINT, "status.renewalTime, Unix seconds", NONE, None),
    ("revision", INTEGER, "status.revision", NONE, None),
    ("label_selector", TEXT, "label selector sent to the API server", ColumnOptions.HIDDEN, Pushdown_LabelSelector()),
]


def text(value):
    """Empty and missing values are NULL, as in every kubequery table."""
    return Cell_Text(value) if isinstance(value, str) and value else Cell_Null()


def number(value):
    if isinstance(value, bool):
        return Cell_Integer(int(value))
    return Cell_Integer(value) if isinstance(value, int) else Cell_Null()


def document(value):
    if value is None:
        return Cell_Null()
    return Cell_Text(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def seconds(value):
    if not isinstance(value, str) or not value:
        return Cell_Null()
    return Cell_Integer(int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()))


def ready(status):
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return Cell_Integer(1 if condition.get("status") == "True" else 0)
    return Cell_Null()


def row(item, cluster):
    meta = item.get("metadata") or {}
    spec = item.get("spec") or {}
    status = item.get("status") or {}
    issuer = spec.get("issuerRef") or {}
    return [
        text(meta.get("uid")),
        text(cluster.name),
        text(cluster.uid),
        text(meta.get("name")),
        text(meta.get("namespace")),
        seconds(meta.get("creationTimestamp")) if meta.get("creationTimestamp") else Cell_Integer(0),
        document(meta.get("labels")),
        document(meta.get("annotations")),
        text(spec.get("secretName")),
        text(spec.get("commonName")),
        document(spec.get("dnsNames")),
        text(issuer.get("name")),
        text(issuer.get("kind")),
        text(issuer.get("group")),
        text(spec.get("duration")),
        text(spec.get("renewBefore")),
        number(spec.get("isCA")),
        ready(status),
        seconds(status.get("notBefore")),
        seconds(status.get("notAfter")),
        seconds(status.get("renewalTime")),
        number(status.get("revision")),
        Cell_Null(),
    ]


class Table(exports.Table):
    def schema(self):
        return TableSchema(
            "cert_manager_certificates",
            "cert-manager Certificates, one row each: names, issuer, readiness and expiry.",
            [Column(name, kind, description, options, pushdown) for name, kind, description, options, pushdown in COLUMNS],
            Source_Resource(ApiResource("cert-manager.io", "v1", "certificates", "Certificate", True, False)),
        )

    def rows(self, page, cluster):
        try:
            items = json.loads(page).get("items") or []
            return [row(item, cluster) for item in items]
        except (ValueError, AttributeError, TypeError) as e:
            raise Err(f"page is not a cert-manager.io/v1 Certificate list: {e}")
