#!/bin/sh
# Start osqueryd with kubequery autoloaded, identified by the cluster's kube-system uid so the
# cluster keeps its identity in Fleet (or any TLS server) across pod restarts.
set -eu
uid="$(kubequery clusters | cut -f2)"
if [ -z "$uid" ]; then
    echo "kubequery-entrypoint: cannot read the kube-system namespace uid; using the pod's hostname as identity" >&2
    exec osqueryd --flagfile=/etc/osquery/osquery.flags --host_identifier=hostname "$@"
fi
exec osqueryd --flagfile=/etc/osquery/osquery.flags --host_identifier=specified --specified_identifier="$uid" "$@"
