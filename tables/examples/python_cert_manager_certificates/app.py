"""cert_manager_certificates, written in Python: the same table as the Rust example in
../cert_manager_certificates, built with componentize-py, to show that table authors are not
tied to Rust. The same file builds against either WIT release:

    componentize-py -d ../../../wit/v0.2.0 -w table-component componentize app \
        -o cert_manager_certificates.wasm
    componentize-py -d ../../../wit/v0.1.0 -w table-component componentize app \
        -o cert_manager_certificates-wit-0.1.wasm   # for hosts older than 0.2

The host calls `schema()` once at load and `rows(page, ...)` once per List page; a raised
`Err` fails the scan with its message. With 0.2 the rows go back packed into one buffer
(`page-rows` in the WIT), an object that cannot be converted is reported on its own instead
of failing the page, and the columns the statement does not read may be left NULL.
"""

import json
import struct
from datetime import datetime

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import types
from wit_world.imports.types import (
    ApiResource,
    Column,
    ColumnOptions,
    ColumnType,
    Pushdown_LabelSelector,
    Pushdown_Name,
    Pushdown_Namespace,
    Source_Resource,
    TableSchema,
)

# kubequery:table@0.2 returns packed rows; 0.1 one Cell per value.
PACKED = hasattr(types, "PageRows")

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


# A row is a list of plain values: None (NULL), int or str, one per column.


def text(value):
    """Empty and missing values are NULL, as in every kubequery table."""
    return value if isinstance(value, str) and value else None


def number(value):
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int) else None


def document(value):
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def seconds(value):
    if not isinstance(value, str) or not value:
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def ready(status):
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return 1 if condition.get("status") == "True" else 0
    return None


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
        seconds(meta.get("creationTimestamp")) if meta.get("creationTimestamp") else 0,
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
        None,
    ]


def pack(rows, read):
    """The packed cells of `rows` (wit/v0.2.0 `page-rows`): a tag byte per cell, then the
    value little-endian. Columns the statement does not read (not in `read`) go as NULL."""
    out = bytearray()
    for row in rows:
        for position, value in enumerate(row):
            if value is None or position not in read:
                out.append(0)
            elif isinstance(value, int):
                out += struct.pack("<Bq", 1, value)
            else:
                data = value.encode("utf-8")
                out += struct.pack("<BI", 3, len(data)) + data
    return bytes(out)


def identity(item):
    meta = item.get("metadata") if isinstance(item, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def convert(page, cluster):
    """The rows of a page, and the objects that could not be converted: (index, item, error)."""
    try:
        items = json.loads(page).get("items") or []
    except (ValueError, AttributeError) as e:
        raise Err(f"page is not a cert-manager.io/v1 Certificate list: {e}")
    rows, failed = [], []
    for index, item in enumerate(items):
        try:
            rows.append(row(item, cluster))
        except (ValueError, AttributeError, TypeError) as e:
            failed.append((index, item, e))
    return rows, failed


class Table(exports.Table):
    def schema(self):
        return TableSchema(
            "cert_manager_certificates",
            "cert-manager Certificates, one row each: names, issuer, readiness and expiry.",
            [Column(name, kind, description, options, pushdown) for name, kind, description, options, pushdown in COLUMNS],
            Source_Resource(ApiResource("cert-manager.io", "v1", "certificates", "Certificate", True, False)),
        )

    if PACKED:

        def rows(self, page, request):
            rows, failed = convert(page, request.cluster)
            errors = [
                types.ObjectError(index, *identity(item), f"not a valid cert-manager.io/v1 Certificate: {e}")
                for index, item, e in failed
            ]
            return types.PageRows(len(rows), pack(rows, set(request.columns)), errors)

    else:

        def rows(self, page, cluster):
            rows, failed = convert(page, cluster)
            if failed:
                index, item, e = failed[0]
                raise Err(f"item {index} is not a valid cert-manager.io/v1 Certificate: {e}")
            cell = lambda v: types.Cell_Null() if v is None else types.Cell_Integer(v) if isinstance(v, int) else types.Cell_Text(v)
            return [[cell(value) for value in r] for r in rows]
