"""Operations against the real binary: /metrics after a scripted session moves every
counter by exactly what the session did, and the whole page parses as Prometheus text
format; /readyz; one log line per WebSocket open and close with the right codes; SIGHUP
reloads log levels and TLS certificates without dropping connections; SIGTERM turns
/readyz to 503 first, then closes clients with 4500 and exits in time."""
import asyncio
import json
import math
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import websockets

from wshub_testlib import Server, http_request, main, make_cert, needs_own_server, render_toml

SECRET = "metrics-test-secret-that-is-long-enough-for-hs256"
BAD_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtc2lnbmF0dXJl"

PLAYGROUND = {
    "client": {"allow_anonymous": True},
    "channels": {"subscribe": "anyone", "publish": "anyone"},
    "auth": {"hmac_secret": SECRET},
}


# --- a small Prometheus text-format (0.0.4) parser --------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{((?:[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE})(?:,[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE})*)?\}})? "
                    r"(\S+)(?: (-?\d+))?$")
LABEL = re.compile(rf'([a-zA-Z_][a-zA-Z0-9_]*)=({LABEL_VALUE})')
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}


def unescape(value):
    return re.sub(r'\\(["\\n])', lambda m: "\n" if m.group(1) == "n" else m.group(1), value[1:-1])


def parse_number(text):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    return float(text)  # raises ValueError on anything malformed


def parse_prometheus(text):
    """{family: {"type", "help", "samples": [(name, {labels}, value)]}}. Raises ValueError
    for any malformed line, a sample outside its family, a family declared twice, a
    duplicate series, or a histogram whose buckets are not cumulative."""
    if not text.endswith("\n"):
        raise ValueError("the page must end with a newline")
    families = {}
    current = None
    seen = set()
    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {number}: {line!r}"
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if not re.fullmatch(NAME, name) or name in families:
                raise ValueError(f"{where}: bad or repeated HELP")
            families[name] = {"type": None, "help": line.split(" ", 3)[3] if line.count(" ") >= 3 else "",
                              "samples": []}
            current = name
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[2] != current or parts[3] not in ("counter", "gauge", "histogram",
                                                                           "summary", "untyped"):
                raise ValueError(f"{where}: TYPE must follow its HELP with a known type")
            if families[current]["type"] is not None:
                raise ValueError(f"{where}: second TYPE")
            families[current]["type"] = parts[3]
            continue
        if line.startswith("#") or not line.strip():
            raise ValueError(f"{where}: unexpected comment or blank line")
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"{where}: malformed sample")
        name, labels_text, value_text = m.group(1), m.group(2) or "", m.group(3)
        family = families.get(current)
        if family is None or family["type"] is None:
            raise ValueError(f"{where}: sample before any TYPE")
        allowed = [current + s for s in SUFFIXES.get(family["type"], ("",))] if family["type"] in SUFFIXES \
            else [current]
        if name not in allowed:
            raise ValueError(f"{where}: sample {name} outside its family {current}")
        labels = {k: unescape(v) for k, v in LABEL.findall(labels_text)}
        if len(labels) != labels_text.count("=") - sum(v.count("=") for v in labels.values()):
            raise ValueError(f"{where}: repeated label")
        series = (name, tuple(sorted(labels.items())))
        if series in seen:
            raise ValueError(f"{where}: duplicate series")
        seen.add(series)
        value = parse_number(value_text)
        if family["type"] == "counter" and not (value >= 0):
            raise ValueError(f"{where}: a counter must be a non-negative number")
        family["samples"].append((name, labels, value))
    for name, family in families.items():
        if family["type"] is None:
            raise ValueError(f"{name}: HELP without TYPE")
        if family["type"] == "histogram":
            check_histogram(name, family["samples"])
    return families


def check_histogram(name, samples):
    by_series = {}
    for sample_name, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        by_series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        entry = by_series[key]
        if sample_name.endswith("_bucket"):
            entry["buckets"].append((parse_number(labels["le"]), value))
        elif sample_name.endswith("_sum"):
            entry["sum"] = value
        else:
            entry["count"] = value
    for key, entry in by_series.items():
        buckets = entry["buckets"]
        if not buckets or buckets[-1][0] != math.inf or entry["sum"] is None or entry["count"] is None:
            raise ValueError(f"{name}{key}: needs buckets up to +Inf, _sum and _count")
        if any(b[0] <= a[0] or b[1] < a[1] for a, b in zip(buckets, buckets[1:])):
            raise ValueError(f"{name}{key}: buckets must grow in le and be cumulative")
        if buckets[-1][1] != entry["count"]:
            raise ValueError(f"{name}{key}: +Inf bucket != _count")


def value(families, name, **labels):
    """The value of one series (0 when the labelled series does not exist yet)."""
    family = families.get(name) or families.get(re.sub(r"_(bucket|sum|count)$", "", name))
    if family is None:
        raise KeyError(f"no metric family {name}")
    for sample_name, sample_labels, v in family["samples"]:
        if sample_name == name and sample_labels == labels:
            return v
    return 0


class PrometheusParserTest(unittest.TestCase):
    """The parser the other tests rely on refuses what is malformed."""

    def test_accepts_a_valid_page(self):
        page = ('# HELP a_total A.\n# TYPE a_total counter\na_total{x="q\\"\\\\\\n"} 3\n'
                '# HELP h H.\n# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n')
        families = parse_prometheus(page)
        self.assertEqual(value(families, "a_total", x='q"\\\n'), 3)
        self.assertEqual(value(families, "h_count"), 2)

    def test_rejects_malformed_pages(self):
        bad = [
            "a 1\n",                                           # no TYPE
            "# HELP a A.\n# TYPE a counter\na{x=y} 1\n",       # unquoted label
            "# HELP a A.\n# TYPE a counter\na one\n",          # not a number
            "# HELP a A.\n# TYPE a counter\nb 1\n",            # outside its family
            "# HELP a A.\n# TYPE a counter\na 1\na 2\n",       # duplicate series
            "# HELP a A.\n# TYPE a counter\na -1\n",           # negative counter
            "# HELP a A.\n# TYPE a counter\na 1",              # no final newline
            "# HELP a A.\n# TYPE a wrong\na 1\n",              # unknown type
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        ]
        for page in bad:
            with self.subTest(page=page):
                with self.assertRaises((ValueError, KeyError)):
                    parse_prometheus(page)


# --- helpers ------------------------------------------------------------------------------

def scrape(server, tls=False):
    status, headers, body = http_request(server.port, "GET", "/metrics", tls=tls)
    assert status == 200, (status, body)
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    return parse_prometheus(body.decode())


def wait_for(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def request(ws, message, timeout=5):
    """Sends a request with an id and returns its reply (publications in between are kept)."""
    await ws.send(json.dumps(message))
    pushes = []
    deadline = time.monotonic() + timeout
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if msg.get("id") == message["id"]:
            return msg, pushes
        pushes.append(msg)


@needs_own_server
class MetricsTest(unittest.TestCase):
    """/metrics counts a scripted session exactly, and parses."""

    def setUp(self):
        config = dict(PLAYGROUND, limits={"max_connections": 3})
        # One worker: latency is observed once per publication and worker.
        self.server = Server(config, workers=1).start()

    def tearDown(self):
        code = self.server.stop()
        self.assertEqual(code, 0, self.server.output())

    def test_a_scripted_session_moves_every_counter_exactly(self):
        n, m = 3, 4
        before = scrape(self.server)  # its own connection is counted in `before`
        http_requests = 0  # HTTP connections after it

        async def session():
            url = self.server.url("/websocket")
            clients = [await websockets.connect(url, subprotocols=["wshub.json"]) for _ in range(n)]
            for i, ws in enumerate(clients):
                reply, _ = await request(ws, {"type": "subscribe", "id": 1, "channel": "room"})
                self.assertEqual(reply.get("type"), "subscribed", reply)
            received = {i: [] for i in range(n)}
            for k in range(m):
                reply, pushes = await request(clients[0], {"type": "publish", "id": 10 + k, "channel": "room",
                                                           "message_type": "chat", "payload": {"k": k}})
                self.assertEqual(reply.get("type"), "ack", reply)
                received[0] += pushes
            for i, ws in enumerate(clients):
                while len(received[i]) < m:
                    received[i].append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
                self.assertEqual([p["payload"]["k"] for p in received[i]], list(range(m)))
            # A fourth WebSocket is over limits.max_connections: 429 before the upgrade.
            with self.assertRaises(websockets.InvalidStatusCode) as refused:
                await websockets.connect(url)
            self.assertEqual(refused.exception.status_code, 429)
            for ws, code in zip(clients, (1000, 4100, 1000)):
                await ws.close(code=code, reason="bye")
            return [ws.close_code for ws in clients]

        asyncio.run(session())
        # Closes are counted when the server saw them; wait until every client is gone
        # (each poll is a scrape: counted in the HTTP figures below).
        def closed():
            nonlocal http_requests
            http_requests += 1
            page = scrape(self.server)
            return page if value(page, "wshub_clients") == 0 else None
        wait_for(closed, what="all clients closed")
        # One bad Bearer token: 401 before the upgrade.
        status, _, _ = http_request(self.server.port, "GET", "/websocket", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Authorization": "Bearer " + BAD_TOKEN})
        self.assertEqual(status, 401)

        after = scrape(self.server)
        http_requests += 1

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        expected = {
            ("wshub_websockets_opened_total",): n,
            ("wshub_connections_accepted_total",): n + 1 + 1 + http_requests,
            ("wshub_websocket_closes_total", ("code", "1000")): 2,
            ("wshub_websocket_closes_total", ("code", "4100")): 1,
            ("wshub_refused_connections_total", ("reason", "max_connections")): 1,
            ("wshub_refused_connections_total", ("reason", "accept_rate")): 0,
            ("wshub_auth_failures_total", ("reason", "invalid_token")): 1,
            ("wshub_handshake_failures_total", ("reason", "token")): 1,
            ("wshub_handshake_failures_total", ("reason", "upgrade")): 0,
            ("wshub_publications_total", ("namespace", "")): m,
            ("wshub_deliveries_total",): n * m,
            ("wshub_delivery_latency_seconds_count",): m,
            ("wshub_messages_received_total",): n + m,          # n subscribes, m publishes
            ("wshub_messages_sent_total",): n + m + n * m,      # replies, acks, deliveries
            ("wshub_commands_total",): n + m,
            ("wshub_broker_operations_total", ("operation", "publish")): m,
            ("wshub_broker_operations_total", ("operation", "subscribe")): 1,    # node-level, once
            ("wshub_broker_operations_total", ("operation", "unsubscribe")): 1,
            ("wshub_broker_errors_total", ("operation", "publish")): 0,
            ("wshub_broker_latency_seconds_count", ("operation", "publish")): m,
            ("wshub_slow_consumer_disconnects_total",): 0,
        }
        for (name, *labels), want in expected.items():
            with self.subTest(metric=name, labels=labels):
                self.assertEqual(delta(name, **dict(labels)), want)
        # Gauges are back where they started; the process reports its memory.
        self.assertEqual(value(after, "wshub_clients"), 0)
        self.assertEqual(value(after, "wshub_outbound_queued_bytes"), 0)
        self.assertGreater(value(after, "wshub_process_resident_memory_bytes"), 1 << 20)
        self.assertEqual(value(after, "wshub_broker_connected"), 1)
        self.assertEqual(value(after, "wshub_draining"), 0)
        self.assertEqual(value(after, "wshub_build_info", version=after["wshub_build_info"]["samples"][0][1]["version"]), 1)
        self.assertGreater(delta("wshub_received_bytes_total"), 0)
        self.assertGreater(delta("wshub_sent_bytes_total"), 0)

        # The log: one open and one close line per WebSocket, with the close codes; the
        # refused connections have none; the token never appears.
        log = self.server.output()
        opens = re.findall(r"\[conn\] connection open: client=(\S+) user=- remote=127\.0\.0\.1:\d+ subprotocol=wshub\.json", log)
        closes = re.findall(r"\[conn\] connection closed: client=(\S+) user=- remote=127\.0\.0\.1:\d+ "
                            r"duration=\d+\.\d{3}s code=(\d+) reason=\"(.*)\"", log)
        self.assertEqual(len(opens), n, log)
        self.assertEqual(sorted(opens), sorted(c for c, _, _ in closes))
        self.assertEqual(sorted(code for _, code, _ in closes), ["1000", "1000", "4100"])
        self.assertTrue(all(reason == "bye" for _, _, reason in closes), closes)
        self.assertNotIn(BAD_TOKEN.split(".")[2], log)

    def test_metrics_and_readyz_reject_other_methods_and_paths(self):
        status, headers, _ = http_request(self.server.port, "POST", "/metrics")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET")
        status, _, _ = http_request(self.server.port, "GET", "/metricsx")
        self.assertEqual(status, 404)
        status, _, body = http_request(self.server.port, "GET", "/readyz")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ready"}))


@needs_own_server
class MetricsConfigTest(unittest.TestCase):
    """metrics.enabled = false turns /metrics off; with api_listen both listeners serve it."""

    def test_disabled(self):
        with Server({"metrics": {"enabled": False}}) as server:
            status, _, _ = http_request(server.port, "GET", "/metrics")
            self.assertEqual(status, 404)

    def test_on_the_api_listener_too(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            api_port = s.getsockname()[1]
        with Server({"server": {"api_listen": f"127.0.0.1:{api_port}"}}) as server:
            for port in (server.port, api_port):
                status, _, body = http_request(port, "GET", "/metrics")
                self.assertEqual(status, 200)
                parse_prometheus(body.decode())
                status, _, _ = http_request(port, "GET", "/readyz")
                self.assertEqual(status, 200)


def rewrite_config(server, sections):
    """Rewrites the server's TOML file with `sections` merged into it (for SIGHUP)."""
    with open(server.config_path) as f:
        text = f.read()
    for section, keys in sections.items():
        for key, val in keys.items():
            line = f"{key} = {json.dumps(val)}"
            pattern = re.compile(rf"^(\[{re.escape(section)}\]\n(?:(?!\[).*\n)*?){re.escape(key)} = .*$", re.M)
            if pattern.search(text):
                text = pattern.sub(lambda mm: mm.group(1) + line, text)
            elif f"[{section}]\n" in text:
                text = text.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)
            else:
                text += f"\n[{section}]\n{line}\n"
    with open(server.config_path, "w") as f:
        f.write(text)


def certificate_serial(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
    return subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der,
                          capture_output=True, check=True).stdout.strip()


@needs_own_server
class ReloadTest(unittest.TestCase):
    """SIGHUP: new log levels and certificates, and every connection stays open."""

    def test_sighup_changes_log_levels_and_certificates_and_keeps_connections(self):
        certs = tempfile.mkdtemp(prefix="wshub-certs-")
        os.makedirs(os.path.join(certs, "old"))
        os.makedirs(os.path.join(certs, "new"))
        old = make_cert(os.path.join(certs, "old"))
        new = make_cert(os.path.join(certs, "new"))
        server = Server(dict(PLAYGROUND, log={"level": "info"}), tls=old)
        server.start()
        try:
            old_serial = certificate_serial(server.port)
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE

            async def scenario():
                ws = await websockets.connect(server.url("/websocket"), ssl=ctx)
                reply, _ = await request(ws, {"type": "subscribe", "id": 1, "channel": "room"})
                self.assertEqual(reply["type"], "subscribed")
                # At info, a plain HTTP exchange writes no debug line.
                http_request(server.port, "GET", "/healthz", tls=True)
                self.assertNotIn(" debug ", server.output())
                rewrite_config(server, {"log": {"level": "debug", "components": ["conn=warn"]},
                                        "tls": {"cert_file": new[0], "key_file": new[1]}})
                server.proc.send_signal(signal.SIGHUP)
                wait_for(lambda: "SIGHUP: reloaded log levels" in server.output(), what="the reload line")
                # The connection from before the reload still works...
                reply, _ = await request(ws, {"type": "publish", "id": 2, "channel": "room", "payload": {}})
                self.assertEqual(reply["type"], "ack", reply)
                # ...new connections get the new certificate...
                self.assertNotEqual(certificate_serial(server.port), old_serial)
                # ...and the new levels apply: debug lines now, none from conn (warn).
                http_request(server.port, "GET", "/healthz", tls=True)
                wait_for(lambda: " debug " in server.output(), what="a debug line")
                await ws.close(code=1000)
                await asyncio.sleep(0.2)

            asyncio.run(scenario())
            log = server.output()
            self.assertEqual(log.count("connection open:"), 1, log)      # before the reload
            self.assertEqual(log.count("connection closed:"), 0, log)    # conn=warn after it
            # A broken file is refused and changes nothing.
            with open(server.config_path, "a") as f:
                f.write("\n[nonsense]\nkey = 1\n")
            server.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "configuration not reloaded" in server.output(), what="the refusal line")
            status, _, _ = http_request(server.port, "GET", "/healthz", tls=True)
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(server.stop(), 0, server.output())


@needs_own_server
class DrainTest(unittest.TestCase):
    """SIGTERM: /readyz 503 first, then 4500 for every client, then exit within the deadline."""

    def test_sigterm_drains(self):
        server = Server(dict(PLAYGROUND, server={"drain_delay": "1500ms", "shutdown_timeout": "3s"})).start()
        try:
            async def scenario():
                ws = await websockets.connect(server.url("/websocket"))
                reply, _ = await request(ws, {"type": "subscribe", "id": 1, "channel": "room"})
                self.assertEqual(reply["type"], "subscribed")
                status, _, _ = http_request(server.port, "GET", "/readyz")
                self.assertEqual(status, 200)
                signalled = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)
                def readyz_refuses():
                    status, _, body = http_request(server.port, "GET", "/readyz")
                    return body if status == 503 else None
                body = wait_for(readyz_refuses, what="/readyz 503")
                self.assertEqual(json.loads(body), {"status": "draining"})
                # Still serving during the delay: the open client is answered.
                reply, _ = await request(ws, {"type": "publish", "id": 2, "channel": "room", "payload": {}})
                self.assertEqual(reply["type"], "ack", reply)
                metrics = scrape(server)
                self.assertEqual(value(metrics, "wshub_draining"), 1)
                # Then the close, with the reconnect advice.
                with self.assertRaises(websockets.ConnectionClosed):
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                self.assertEqual(ws.close_code, 4500)
                self.assertGreaterEqual(time.monotonic() - signalled, 1.4)
                return signalled

            signalled = asyncio.run(scenario())
            code = server.proc.wait(10)
            self.assertEqual(code, 0)
            self.assertLess(time.monotonic() - signalled, 1.5 + 3 + 2)
            log = server.output()
            self.assertIn("draining: /readyz answers 503", log)
            self.assertRegex(log, r"connection closed: .* code=4500 reason=\"server shutting down\"")
        finally:
            server.stop()


if __name__ == "__main__":
    main("Operations")
