"""An independent osquery peer for kubequery's extension mode.

It speaks osquery's extension protocol with the Thrift bindings published by the osquery
project (PyPI `osquery`) and Apache Thrift's Python runtime (PyPI `thrift`), so nothing is
shared with the Rust side's Thrift code.

    peer.py manager --socket EM [--events FILE] [--interval S] [--preregister NAME]
        A fake osqueryd extension manager: registers extensions with osquery's refusal
        rules, pings them every interval over a fresh connection (deregistering one that
        fails, as osqueryd does), and records each registration in FILE (JSON lines).

    peer.py run SCENARIO --kubequery BIN --schema SPEC.json [--tables-dir DIR] [--env KEY=VALUE]...
        Starts a manager and `kubequery extension` the way osqueryd autoloads it, and checks
        one scenario. Exits 0 when every check passes; otherwise prints what failed.

    peer.py generate --kubequery BIN [--env KEY=VALUE]...
        Starts a manager and the extension, prints {"ready": true} once it is registered, then
        for each table name read from stdin makes one `generate` call and prints its status and
        rows as a JSON line: scheduled queries, driven by a test that changes the cluster
        between them (tests/watch.rs). The line `!exit` instead waits for the extension to exit
        on its own and prints its exit status and stderr.

    peer.py load --kubequery BIN --concurrency N --table T... [--small T2] [--calls M] [--env KEY=VALUE]...
        Starts a manager that pings every 3 s (as osqueryd does by default) and the extension,
        then makes M `generate` calls of the tables T in turn (N at a time), every fifth one of
        T2 instead when given, each the osqueryd way (a ping, then the call, on fresh
        connections, waiting up to osqueryd's default --thrift_timeout of 300 s). Prints one
        JSON document: each call's table, seconds, status and row count (or the transport
        error), the extension's peak RSS, the manager's failed pings, and whether the extension
        is still alive and registered. Used by tests/osquery.rs and the benchmark.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from osquery.extensions import Extension, ExtensionManager
from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus, InternalExtensionInfo
from thrift.protocol import TBinaryProtocol
from thrift.server import TServer
from thrift.transport import TSocket, TTransport

OSQUERY_TYPES = {"TEXT", "INTEGER", "BIGINT", "DOUBLE", "BLOB", "UNSIGNED BIGINT"}

# A few of osqueryd's own tables (owner uuid 0): registering a table of the same name is refused.
CORE_TABLES = ["processes", "users", "os_version", "osquery_info", "time", "file"]


# --------------------------------------------------------------------------- wire helpers

def client(path, cls, timeout_ms=10000):
    sock = TSocket.TSocket(unix_socket=path)
    sock.setTimeout(timeout_ms)
    transport = TTransport.TBufferedTransport(sock)
    transport.open()
    return cls.Client(TBinaryProtocol.TBinaryProtocol(transport)), transport


def call_extension(em, uuid, registry, item, request, timeout_ms=60000):
    """What osqueryd does per table call: ping on a fresh connection, then call on another."""
    path = f"{em}.{uuid}"
    ext, transport = client(path, Extension, 10000)
    try:
        ext.ping()
    finally:
        transport.close()
    ext, transport = client(path, Extension, timeout_ms)
    try:
        return ext.call(registry, item, request)
    finally:
        transport.close()


def generate(em, uuid, table, constraints=None, timeout_ms=60000, cols_used=None):
    """`cols_used`: (names, bitset) of the columns the query reads, as osquery 4+ sends them."""
    context = {"constraints": [
        {"name": column, "list": [{"op": 2, "expr": value} for value in values], "affinity": "TEXT"}
        for column, values in (constraints or {}).items()
    ]}
    if cols_used is not None:
        context["colsUsed"], context["colsUsedBitset"] = cols_used
    return call_extension(em, uuid, "table", table, {"action": "generate", "context": json.dumps(context)},
                          timeout_ms)


# osqueryd's --thrift_timeout: how long it waits for a call before closing the connection.
THRIFT_TIMEOUT_MS = 300000


# --------------------------------------------------------------------------- fake manager

class Manager(ExtensionManager.Iface):
    """osqueryd's ExtensionManager, with the checks of ExtensionManagerInterface::registerExtension."""

    def __init__(self, socket_path, events, preregistered):
        self.socket_path = socket_path
        self.events = events
        self.lock = threading.Lock()
        self.extensions_by_uuid = {}
        self.tables = {name: 0 for name in CORE_TABLES}
        self.next_uuid = 1000
        for name in preregistered:
            self.extensions_by_uuid[self.next_uuid] = InternalExtensionInfo(name=name, version="0", sdk_version="0", min_sdk_version="0")
            self.next_uuid += 1

    def record(self, event):
        if self.events:
            with open(self.events, "a") as f:
                f.write(json.dumps(event) + "\n")

    def ping(self):
        return ExtensionStatus(code=0, message="OK")

    def call(self, registry, item, request):
        return ExtensionResponse(status=ExtensionStatus(code=1, message="not an extension"), response=[])

    def shutdown(self):
        pass

    def extensions(self):
        with self.lock:
            return dict(self.extensions_by_uuid)

    def options(self):
        return {}

    def registerExtension(self, info, registry):
        with self.lock:
            status = None
            if any(e.name == info.name for e in self.extensions_by_uuid.values()):
                status = ExtensionStatus(code=1, message="Duplicate extension registered")
            for name in registry:
                if name not in ("table", "config", "logger", "distributed", "sql", "killswitch", "numeric_monitoring"):
                    status = status or ExtensionStatus(code=1, message=f"Unknown registry: {name}")
            for table, routes in registry.get("table", {}).items():
                if table in self.tables:
                    status = status or ExtensionStatus(code=1, message=f"Registry item {table} conflicts with another item of the same name.")
                if not routes:
                    status = status or ExtensionStatus(code=1, message="Invalid route info")
            if status is None:
                uuid = self.next_uuid
                self.next_uuid += 1
                self.extensions_by_uuid[uuid] = info
                for table in registry.get("table", {}):
                    self.tables[table] = uuid
                status = ExtensionStatus(code=0, message="OK", uuid=uuid)
        self.record({"event": "register", "name": info.name, "version": info.version, "code": status.code,
                     "message": status.message, "uuid": status.uuid, "registry": registry})
        return status

    def deregisterExtension(self, uuid):
        with self.lock:
            if uuid not in self.extensions_by_uuid:
                return ExtensionStatus(code=1, message="No extension UUID found")
            del self.extensions_by_uuid[uuid]
            self.tables = {t: u for t, u in self.tables.items() if u != uuid}
        self.record({"event": "deregister", "uuid": uuid})
        return ExtensionStatus(code=0, message="OK")

    def query(self, sql):
        """Only what extensions ask osqueryd: the table registry."""
        if "osquery_registry" in sql:
            with self.lock:
                rows = [{"name": name, "owner_uuid": str(owner)} for name, owner in self.tables.items()
                        if "owner_uuid = 0" not in sql or owner == 0]
            self.record({"event": "query", "sql": sql})
            return ExtensionResponse(status=ExtensionStatus(code=0, message="OK"), response=rows)
        return ExtensionResponse(status=ExtensionStatus(code=1, message="no SQL in the fake manager"), response=[])

    def getQueryColumns(self, sql):
        return self.query(sql)

    def watch(self, interval):
        """ExtensionManagerWatcher: ping every extension each interval; one failure deregisters."""
        while True:
            time.sleep(interval)
            with self.lock:
                uuids = [u for u, e in self.extensions_by_uuid.items() if e.version != "0"]
            for uuid in uuids:
                try:
                    ext, transport = client(f"{self.socket_path}.{uuid}", Extension, 10000)
                    try:
                        ext.ping()
                    finally:
                        transport.close()
                except Exception as e:  # noqa: BLE001 - any failure deregisters, as in osqueryd
                    self.record({"event": "ping-failed", "uuid": uuid, "error": str(e)})
                    self.deregisterExtension(uuid)


def serve_manager(args):
    manager = Manager(args.socket, args.events, args.preregister or [])
    transport = TSocket.TServerSocket(unix_socket=args.socket)
    server = TServer.TThreadedServer(ExtensionManager.Processor(manager), transport,
                                     TTransport.TBufferedTransportFactory(),
                                     TBinaryProtocol.TBinaryProtocolFactory(), daemon=True)
    if args.interval > 0:
        threading.Thread(target=manager.watch, args=(args.interval,), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve()


# --------------------------------------------------------------------------- scenarios

class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


class Harness:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="kq")  # short: UNIX socket paths are limited to 108 bytes
        self.em = os.path.join(self.dir, "osquery.em")
        self.events = os.path.join(self.dir, "events.jsonl")
        self.manager = None
        self.extension = None
        self.stderr_path = os.path.join(self.dir, "extension.stderr")

    def start_manager(self, preregister=(), interval=1):
        cmd = [sys.executable, __file__, "manager", "--socket", self.em, "--events", self.events, "--interval", str(interval)]
        for name in preregister:
            cmd += ["--preregister", name]
        self.manager = subprocess.Popen(cmd)
        deadline = time.time() + 10
        while not os.path.exists(self.em):
            check(time.time() < deadline, "the fake manager did not start")
            time.sleep(0.05)

    def start_extension(self, timeout=3, interval=1, env=None):
        # Exactly what osqueryd's autoloader passes.
        cmd = [self.args.kubequery, "--socket", self.em, "--timeout", str(timeout),
               "--interval", str(interval), "--verbose"]
        # The demo cluster unless the scenario's caller chose another source with --env.
        chosen = dict(item.split("=", 1) for item in (self.args.env or []))
        environment = dict(os.environ, **(chosen or {"KUBEQUERY_DEMO": "1"}), **(env or {}))
        if self.args.tables_dir:
            environment["KUBEQUERY_TABLES_DIR"] = self.args.tables_dir
        self.extension = subprocess.Popen(cmd, env=environment, stderr=open(self.stderr_path, "w"))

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def events_of(self, kind):
        if not os.path.exists(self.events):
            return []
        events = []
        with open(self.events) as f:
            for line in f:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass  # the manager is still writing this line
        return [e for e in events if e["event"] == kind]

    def wait_registered(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            ok = [e for e in self.events_of("register") if e["code"] == 0 and e["name"] == "kubequery"]
            if ok and os.path.exists(f"{self.em}.{ok[0]['uuid']}"):
                return ok[0]
            check(self.extension.poll() is None, f"the extension exited early:\n{self.stderr()}")
            time.sleep(0.05)
        raise Failed(f"the extension did not register within {timeout} s:\n{self.stderr()}")

    def wait_exit(self, timeout):
        try:
            return self.extension.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failed(f"the extension did not exit within {timeout} s:\n{self.stderr()}")

    def close(self):
        for process in (self.extension, self.manager):
            if process and process.poll() is None:
                process.kill()
                process.wait()


def expected_routes(spec, table):
    routes = [(name, ty) for name, ty in spec["tables"][table]]
    # The columns added on purpose (docs/compatibility.md): PVCs are namespaced, and HPAs are
    # read as autoscaling/v2, whose every metric has a column.
    if table == "kubernetes_persistent_volume_claims":
        routes.insert(4, ("namespace", "TEXT"))
    if table == "kubernetes_horizontal_pod_autoscalers":
        routes += [(name, "TEXT") for name in ("metrics", "behavior", "current_metrics", "conditions")]
    return routes


def scenario_protocol(h, spec):
    """Registration payload, columns and generate for every table, with and without constraints."""
    h.start_manager()
    h.start_extension()
    reg = h.wait_registered()
    uuid = reg["uuid"]
    check(reg["name"] == "kubequery", f"extension name {reg['name']!r}")
    tables = reg["registry"].get("table", {})
    check(set(reg["registry"]) >= {"table"}, f"registries {sorted(reg['registry'])}")
    check(len(tables) > 0, "no tables registered")
    for table, routes in tables.items():
        for route in routes:
            check(route.get("id") == "column", f"{table}: route without id=column: {route}")
            check(route.get("type") in OSQUERY_TYPES, f"{table}.{route.get('name')}: type {route.get('type')!r}")
            check(route.get("op", "").isdigit(), f"{table}.{route.get('name')}: op {route.get('op')!r}")
        if table in spec["tables"]:
            # kubequery 1.1.1's columns, in order; hidden pushdown columns (HIDDEN=16) come on top.
            got = [(r["name"], r["type"]) for r in routes if not int(r["op"]) & 16]
            check(got == expected_routes(spec, table), f"{table}: registered columns differ from kubequery 1.1.1:\n{got}")
        for route in routes:
            if int(route["op"]) & 16:
                check(int(route["op"]) & 1, f"{table}.{route['name']}: a HIDDEN column needs INDEX to get constraints")
        # `columns` must repeat the registration routes.
        columns = call_extension(h.em, uuid, "table", table, {"action": "columns"})
        check(columns.status.code == 0, f"{table}: columns status {columns.status}")
        check(columns.response == routes, f"{table}: columns differ from the registered routes")
        # `generate` without constraints.
        result = generate(h.em, uuid, table)
        check(result.status.code == 0, f"{table}: generate failed: {result.status.message}")
        names = {r["name"] for r in routes}
        types = {r["name"]: r["type"] for r in routes}
        # kubequery's own state (the watch cache) is empty on a snapshot.
        check(len(result.response) > 0 or table.startswith("kubequery_"), f"{table}: no rows from the demo cluster")
        for row in result.response:
            check(set(row) <= names, f"{table}: unknown keys {set(row) - names}")
            for key, value in row.items():
                check(isinstance(value, str) and value != "", f"{table}.{key}: {value!r} (NULL must be an omitted key)")
                if types[key] in ("INTEGER", "BIGINT"):
                    number = int(value, 10)
                    if types[key] == "INTEGER":
                        check(-2**31 <= number < 2**31, f"{table}.{key}: {value} does not fit osquery's INTEGER")
        # `generate` for two columns (colsUsedBitset): the same values, and nothing else.
        first_two = [r["name"] for r in routes[:2]]
        projected = generate(h.em, uuid, table, cols_used=(first_two, 0b11))
        check(projected.status.code == 0, f"{table}: generate of {first_two} failed: {projected.status.message}")
        got = sorted(json.dumps(r, sort_keys=True) for r in projected.response)
        want = sorted(json.dumps({k: r[k] for k in first_two if k in r}, sort_keys=True) for r in result.response)
        check(got == want, f"{table}: reading {first_two} gives other values than reading every column")
        # `generate` with constraints: osquery re-checks every row, so an answer must hold every
        # matching row and nothing that is not a row of the table; kubequery may narrow it.
        rows = result.response
        everything = {json.dumps(r, sort_keys=True) for r in rows}

        def check_constrained(constraints, matches):
            narrowed = generate(h.em, uuid, table, constraints)
            check(narrowed.status.code == 0, f"{table} {constraints}: {narrowed.status.message}")
            got = {json.dumps(r, sort_keys=True) for r in narrowed.response}
            want = {json.dumps(r, sort_keys=True) for r in rows if matches(r)}
            check(want <= got, f"{table} {constraints}: {len(want - got)} matching rows missing")
            check(got <= everything, f"{table} {constraints}: rows that are not in the table")
            return got, want

        if "namespace" in names:
            namespace = rows[-1]["namespace"]
            got, want = check_constrained({"namespace": [namespace]}, lambda r: r.get("namespace") == namespace)
            check(got == want, f"{table}: namespace is pushed down, so WHERE namespace = {namespace!r} is exact")
            namespaces = sorted({r["namespace"] for r in rows})[:2]
            got, want = check_constrained({"namespace": namespaces}, lambda r: r.get("namespace") in namespaces)
            check(got == want, f"{table}: namespace IN {namespaces} is exact")
        for column in sorted(c for c in names if c == "name" or (c.endswith("_name") and c != "cluster_name")):
            target = next((r[column] for r in rows if column in r), None)
            if target is not None:
                check_constrained({column: [target]}, lambda r, c=column, t=target: r.get(c) == t)
    # An unknown table is an error, not a crash.
    try:
        call_extension(h.em, uuid, "table", "kubernetes_nope", {"action": "generate", "context": "{}"})
    except Exception:  # noqa: BLE001 - osquery-rust-ng answers with a Thrift application error
        pass
    check(h.extension.poll() is None, "the extension died")
    print(f"checked {len(tables)} tables")


def scenario_socket_late(h, spec):
    h.start_extension(timeout=10)
    time.sleep(1.5)
    h.start_manager()
    h.wait_registered()


def scenario_socket_never(h, spec):
    h.start_extension(timeout=1)
    code = h.wait_exit(10)
    check(code != 0, "exit status 0 without osqueryd")
    check("did not accept connections within" in h.stderr() and h.em in h.stderr(), h.stderr())


def scenario_duplicate(h, spec):
    h.start_manager(preregister=["kubequery"])
    h.start_extension()
    code = h.wait_exit(15)
    check(code != 0, "a refused registration must exit non-zero")
    check("Duplicate extension registered" in h.stderr(), f"the reason is missing:\n{h.stderr()}")


def scenario_manager_killed(h, spec):
    h.start_manager()
    h.start_extension()
    h.wait_registered()
    h.manager.kill()
    h.manager.wait()
    killed = time.time()
    code = h.wait_exit(10)
    elapsed = time.time() - killed
    check(code != 0, "losing osqueryd must exit non-zero")
    check(elapsed < 5, f"exited {elapsed:.1f} s after the manager died")
    print(f"exited {elapsed:.2f} s after the manager was killed")


def scenario_deregistered(h, spec):
    h.start_manager()
    h.start_extension()
    reg = h.wait_registered()
    manager, transport = client(h.em, ExtensionManager)
    status = manager.deregisterExtension(reg["uuid"])
    transport.close()
    check(status.code == 0, f"deregister: {status}")
    code = h.wait_exit(10)
    check(code != 0, "an extension osqueryd dropped must exit non-zero")
    check("no longer lists" in h.stderr(), h.stderr())


def scenario_concurrent(h, spec):
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    tables = ["kubernetes_pods", "kubernetes_pod_containers", "kubernetes_nodes", "kubernetes_namespaces"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: generate(h.em, uuid, tables[i % len(tables)]), range(20)))
    for result in results:
        check(result.status.code == 0 and result.response, f"concurrent generate: {result.status}")
    counts = {}
    for i, result in enumerate(results):
        counts.setdefault(tables[i % len(tables)], set()).add(len(result.response))
    check(all(len(c) == 1 for c in counts.values()), f"concurrent calls disagree: {counts}")


def scenario_shutdown_rpc(h, spec):
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    ext, transport = client(f"{h.em}.{uuid}", Extension)
    ext.shutdown()
    transport.close()
    code = h.wait_exit(10)
    check(code == 0, f"the shutdown RPC must end cleanly, got {code}:\n{h.stderr()}")
    check(not os.path.exists(f"{h.em}.{uuid}"), "the extension socket was left behind")


def scenario_sigterm(h, spec):
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    h.extension.send_signal(signal.SIGTERM)
    code = h.wait_exit(10)
    check(code == 0, f"SIGTERM must end cleanly, got {code}:\n{h.stderr()}")
    check(not os.path.exists(f"{h.em}.{uuid}"), "the extension socket was left behind")
    check(not [e for e in h.events_of("register") if e["code"] != 0], "unexpected registration failure")


def scenario_failing_table(h, spec):
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    result = generate(h.em, uuid, "hostile_panic")
    check(result.status.code == 1, f"a failing table must return status 1: {result.status}")
    check("hostile_panic" in result.status.message and "panicked" in result.status.message, result.status.message)
    after = generate(h.em, uuid, "kubernetes_pods")
    check(after.status.code == 0 and after.response, "the next call must still work")
    check(h.extension.poll() is None, "the extension died")


def scenario_hostile_client(h, spec):
    """Raw bytes on the extension socket: a negative and a 2 GiB string length, garbage, and
    twelve connections that never speak. The extension must survive all of it and still
    answer a real call (idle connections are dropped after a few seconds)."""
    import socket
    import struct
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    path = f"{h.em}.{uuid}"

    def raw(payload):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(payload)
        return s

    header = b"\x80\x01\x00\x01"
    hostile = [raw(header + struct.pack(">i", -1)), raw(header + struct.pack(">i", 0x7fffffff)),
               raw(header + struct.pack(">i", 4) + b"call" + struct.pack(">i", 1) + b"\x0f\x0b\x7f\xff\xff\xff"),
               raw(b"GET / HTTP/1.1\r\n\r\n")]
    idle = [raw(b"") for _ in range(12)]
    started = time.time()
    result = generate(h.em, uuid, "kubernetes_namespaces")
    check(result.status.code == 0 and result.response, f"a real call still works: {result.status}")
    check(time.time() - started < 30, "idle connections were not dropped")
    check(h.extension.poll() is None, f"the extension died:\n{h.stderr()}")
    for s in hostile + idle:
        s.close()
    check("panicked" not in h.stderr(), f"a worker panicked:\n{h.stderr()}")


def scenario_core_name_clash(h, spec):
    """A third-party table named like an osquery core table is left out, with a message naming
    its file; osqueryd accepts the rest of the extension."""
    h.start_manager()
    h.start_extension()
    registered = h.wait_registered()
    tables = registered["registry"]["table"]
    check("processes" not in tables, "the clashing table was left out")
    check("clash_survivor" in tables and "kubernetes_pods" in tables, f"the other tables are registered: {sorted(tables)}")
    check("processes.wasm" in h.stderr() and "osquery core table" in h.stderr(), h.stderr())
    result = generate(h.em, registered["uuid"], "clash_survivor")
    check(result.status.code == 0, f"the surviving third-party table answers: {result.status}")


def scenario_hang_up(h, spec):
    """A caller that gives up on a slow call: the extension notices, stops the scan, and keeps
    answering. The caller (tests/osquery.rs) serves pods slowly and counts the pages fetched."""
    h.start_manager()
    h.start_extension()
    uuid = h.wait_registered()["uuid"]
    started = time.time()
    try:
        generate(h.em, uuid, "kubernetes_pods", timeout_ms=1500)
        raise Failed("the slow call was expected to time out on the caller's side")
    except Failed:
        raise
    except Exception:  # noqa: BLE001 - the caller's timeout, as osqueryd's --thrift_timeout
        pass
    deadline = time.time() + 15
    while "caller hung up" not in h.stderr():
        check(time.time() < deadline, f"the extension did not notice the caller left:\n{h.stderr()}")
        time.sleep(0.1)
    print(f"noticed after {time.time() - started:.1f} s")
    result = generate(h.em, uuid, "kubernetes_namespaces")
    check(result.status.code == 0 and result.response, f"the next call works: {result.status}")


def scenario_response_cap(h, spec):
    """An answer over the response cap is a clear failure status, not a dropped connection."""
    h.start_manager()
    h.start_extension(env={"KUBEQUERY_MAX_RESPONSE": "8Ki"})
    uuid = h.wait_registered()["uuid"]
    result = generate(h.em, uuid, "kubernetes_pods")
    check(result.status.code == 1, f"over the cap: {result.status}")
    check("kubernetes_pods" in result.status.message and "8 KiB" in result.status.message
          and "narrow the query" in result.status.message, result.status.message)
    small = generate(h.em, uuid, "kubernetes_namespaces")
    check(small.status.code == 0 and small.response, f"a small answer still fits: {small.status}")


def scenario_dump_every_table(h, spec):
    """Calls generate for every registered table and prints each Thrift response as a JSON line,
    then the extension's stderr, for the caller to search (tests/secrets.rs)."""
    h.start_manager()
    h.start_extension()
    registered = h.wait_registered()
    for table in sorted(registered["registry"]["table"]):
        result = generate(h.em, registered["uuid"], table)
        print(json.dumps({"table": table, "code": result.status.code, "message": result.status.message,
                          "response": result.response}))
    check(h.extension.poll() is None, "the extension died")
    print(h.stderr())



# --------------------------------------------------------------------------- load

def peak_rss(pid):
    """The process's peak resident set (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def load(args):
    h = Harness(args)
    try:
        h.start_manager(interval=3)
        h.start_extension(timeout=3, interval=3)
        uuid = h.wait_registered(timeout=120)["uuid"]
        tables = [args.small if args.small and i % 5 == 4 else args.table[i % len(args.table)]
                  for i in range(args.calls or args.concurrency)]

        def one(table):
            started = time.time()
            try:
                result = generate(h.em, uuid, table, timeout_ms=THRIFT_TIMEOUT_MS)
                return {"table": table, "seconds": time.time() - started, "code": result.status.code,
                        "message": result.status.message, "rows": len(result.response)}
            except Exception as e:  # noqa: BLE001 - a dropped connection is a result to report
                return {"table": table, "seconds": time.time() - started, "error": f"{type(e).__name__}: {e}"}

        started = time.time()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            calls = list(pool.map(one, tables))
        elapsed = time.time() - started
        alive = h.extension.poll() is None
        report = {
            "concurrency": args.concurrency,
            "seconds": elapsed,
            "calls": calls,
            "peak_rss": peak_rss(h.extension.pid) if alive else None,
            "alive": alive,
            "registered": alive and not h.events_of("deregister") and not h.events_of("ping-failed"),
            "ping_failures": h.events_of("ping-failed"),
            "stderr_tail": h.stderr()[-4000:],
        }
        print(json.dumps(report))
        return 0
    finally:
        h.close()

SCENARIOS = {name[len("scenario_"):]: fn for name, fn in globals().items() if name.startswith("scenario_")}


def run(args):
    with open(args.schema) as f:
        spec = json.load(f)
    h = Harness(args)
    try:
        SCENARIOS[args.scenario](h, spec)
    except Failed as e:
        print(f"FAILED {args.scenario}: {e}")
        return 1
    finally:
        h.close()
    print(f"ok {args.scenario}")
    return 0


def serve_generate(args):
    h = Harness(args)
    try:
        h.start_manager()
        h.start_extension()
        uuid = h.wait_registered(timeout=120)["uuid"]
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            table = line.strip()
            if not table:
                continue
            if table == "!exit":
                # Wait for the extension to exit on its own, and say how.
                code = h.wait_exit(60)
                print(json.dumps({"exit": code, "stderr": h.stderr()}), flush=True)
                continue
            result = generate(h.em, uuid, table)
            print(json.dumps({"table": table, "code": result.status.code, "message": result.status.message,
                              "response": result.response}), flush=True)
        return 0
    except Failed as e:
        print(json.dumps({"failed": str(e)}), flush=True)
        return 1
    finally:
        h.close()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("manager")
    m.add_argument("--socket", required=True)
    m.add_argument("--events")
    m.add_argument("--interval", type=float, default=1)
    m.add_argument("--preregister", action="append")
    r = sub.add_parser("run")
    r.add_argument("scenario", choices=sorted(SCENARIOS))
    r.add_argument("--kubequery", required=True)
    r.add_argument("--schema", required=True)
    r.add_argument("--tables-dir")
    r.add_argument("--env", action="append", help="KEY=VALUE for the extension, instead of the demo cluster")
    g = sub.add_parser("generate")
    g.add_argument("--kubequery", required=True)
    g.add_argument("--env", action="append", help="KEY=VALUE for the extension")
    g.set_defaults(tables_dir=None)
    lo = sub.add_parser("load")
    lo.add_argument("--kubequery", required=True)
    lo.add_argument("--concurrency", type=int, required=True)
    lo.add_argument("--calls", type=int, help="calls in all (default: --concurrency)")
    lo.add_argument("--table", required=True, action="append", help="repeat to take turns")
    lo.add_argument("--small", help="a table asked for in every fifth call instead")
    lo.add_argument("--env", action="append", help="KEY=VALUE for the extension")
    lo.set_defaults(tables_dir=None)
    args = parser.parse_args()
    if args.mode == "load":
        return load(args)
    if args.mode == "generate":
        return serve_generate(args)
    if args.mode == "manager":
        serve_manager(args)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
