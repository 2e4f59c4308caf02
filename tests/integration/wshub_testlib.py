"""Shared helpers for integration tests: start the real build/wshub on a free loopback
port, stop it by PID, and a raw WebSocket client that can send any bytes (for the
conformance cases that real client libraries refuse to produce).

Every wait has a deadline: a test may fail, it may never hang."""
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import sys

WSHUB_BIN = os.environ.get("WSHUB_BIN", os.path.join(os.path.dirname(__file__), "../../build/wshub"))

# WSHUB_TEST_URL=ws://127.0.0.1:9001/echo points the suites at a server someone else started
# (a reference echo server, to debug the tests themselves). Nothing is started then, and the
# tests that need their own server or configuration are skipped.
TEST_URL = os.environ.get("WSHUB_TEST_URL")
needs_own_server = unittest.skipIf(TEST_URL, "needs its own wshub with its own configuration (WSHUB_TEST_URL set)")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(claims, secret):
    """A JWT signed with HS256, as a back-end would mint it."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_toml(sections):
    """{"section": {"key": value, "sub": {...}}}: a dict inside a section is a nested table
    ([namespaces.chat])."""
    out = []

    def table(name, keys):
        out.append(f"[{name}]")
        nested = []
        for k, v in keys.items():
            if isinstance(v, dict):
                nested.append((k, v))
            else:
                out.append(f"{k} = {toml_value(v)}")
        out.append("")
        for k, v in nested:
            table(f"{name}.{k}", v)
    for name, keys in sections.items():
        table(name, keys)
    return "\n".join(out)


class Server:
    """A wshub process. `config` is a dict of TOML sections; [server] listen is set here."""

    def __init__(self, config=None, workers=2, extra_args=(), tls=None):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wshub-test-")
        cfg = {k: dict(v) for k, v in (config or {}).items()}
        cfg.setdefault("server", {})
        cfg["server"]["listen"] = f"127.0.0.1:{self.port}"
        cfg["server"].setdefault("workers", workers)
        # SIGTERM waits server.drain_delay (default 1s) before closing: not in tests that
        # do not test the drain itself.
        cfg["server"].setdefault("drain_delay", "0s")
        cfg.setdefault("endpoints", {}).setdefault("echo", True)
        if tls:
            cfg["tls"] = {"cert_file": tls[0], "key_file": tls[1]}
        self.config_path = os.path.join(self.dir, "wshub.toml")
        with open(self.config_path, "w") as f:
            f.write(render_toml(cfg))
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.tls = bool(tls)
        self.extra_args = list(extra_args)
        self.proc = None

    def start(self, timeout=10):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([WSHUB_BIN, "--config", self.config_path, *self.extra_args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wshub exited with {self.proc.returncode}:\n{self.output()}")
            try:
                status, _, _ = http_request(self.port, "GET", "/healthz", tls=self.tls, timeout=1)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("wshub did not become ready:\n" + self.output())

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL after `timeout`. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None
        finally:
            self.log.close()

    def url(self, path="/echo"):
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class ExternalServer:
    """A server started by someone else, at WSHUB_TEST_URL (see above)."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.tls = parsed.scheme == "wss"
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (443 if self.tls else 80)
        self.path = parsed.path or "/echo"

    def url(self, path="/echo"):
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}{self.path if path == '/echo' else path}"

    def output(self):
        return "(external server: no log)"

    def stop(self):
        return 0


class ServerTestCase(unittest.TestCase):
    """One server for the whole class. Subclasses set CONFIG / WORKERS.
    With WSHUB_TEST_URL set, classes without CONFIG run against that server instead."""
    CONFIG = {}
    WORKERS = 2
    server = None

    @classmethod
    def setUpClass(cls):
        if TEST_URL:
            if cls.CONFIG:
                raise unittest.SkipTest("needs a configured wshub (WSHUB_TEST_URL set)")
            cls.server = ExternalServer(TEST_URL)
            return
        cls.server = Server(cls.CONFIG, workers=cls.WORKERS).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.output(), file=sys.stderr)
        assert code == 0, f"wshub exit code {code}"

    def run(self, result=None):
        # A failing case prints the tail of the server's log right under it.
        before = len(result.failures) + len(result.errors) if result is not None else 0
        outcome = super().run(result)
        if result is not None and self.server is not None and len(result.failures) + len(result.errors) > before:
            print(f"\n--- wshub log (tail) after {self.id()} ---\n{self.server.output()[-4000:]}", file=sys.stderr)
        return outcome

    def raw(self, path="/echo", **kw):
        if isinstance(self.server, ExternalServer):
            kw.setdefault("host", self.server.host)
            kw.setdefault("tls", self.server.tls)
            if path == "/echo":
                path = self.server.path
        return RawClient.connect(self.server.port, path, **kw)


def wrap_tls_unverified(sock):
    """TLS for tests against our self-signed certificates (trust is not what they test)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(sock)


def http_request(port, method, path, headers=None, body=b"", tls=False, timeout=5):
    """A minimal HTTP/1.1 request; returns (status, headers dict lower-cased, body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        sock = wrap_tls_unverified(sock)
    try:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body:
            lines.append(f"Content-Length: {len(body)}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return parse_http_response(read_until_close(sock, timeout))
    finally:
        sock.close()


def read_until_close(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
    return data


def parse_http_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise OSError(f"not an HTTP response: {data[:80]!r}")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


# --- raw WebSocket frames -------------------------------------------------------------

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def build_frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None, mask_key=b"\x11\x22\x33\x44"):
    """Any frame, valid or not. `rsv` is a 3-bit value (RSV1=4, RSV2=2, RSV3=1);
    `length` forces a length field (e.g. non-minimal or lying)."""
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload) if length is None else length
    mbit = 0x80 if mask else 0
    if n < 126:
        header = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        header = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        header = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        masked = bytes(b ^ mask_key[i % 4] for i, b in enumerate(payload)) if len(payload) < 4096 else \
            _fast_mask(payload, mask_key)
        return header + mask_key + masked
    return header + payload


def _fast_mask(payload, key):
    k = int.from_bytes(key * ((len(payload) + 3) // 4), "big")
    p = int.from_bytes(payload + b"\0" * (-len(payload) % 4), "big")
    return (p ^ k).to_bytes(len(payload) + (-len(payload) % 4), "big")[:len(payload)]


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + (reason.encode() if isinstance(reason, str) else reason)


class Closed(Exception):
    pass


class RawClient:
    def __init__(self, sock, leftover=b""):
        self.sock = sock
        self.buf = bytearray(leftover)

    @classmethod
    def connect(cls, port, path="/echo", extra_headers=None, tls=False, timeout=5, extensions=None, host="127.0.0.1"):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            sock = wrap_tls_unverified(sock)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if extensions:
            lines.append(f"Sec-WebSocket-Extensions: {extensions}")
        for k, v in (extra_headers or {}).items():
            lines.append(f"{k}: {v}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data:
            if time.monotonic() > deadline:
                raise TimeoutError("no handshake response")
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                raise Closed(f"closed during handshake: {data!r}")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status, headers, _ = parse_http_response(head + b"\r\n\r\n")
        if status != 101:
            raise OSError(f"handshake refused: {status}")
        c = cls(sock, rest)
        c.response_headers = headers
        return c

    def send(self, data):
        self.sock.sendall(data)

    def send_frame(self, *a, **kw):
        self.sock.sendall(build_frame(*a, **kw))

    def send_chopped(self, data, chop=1, delay=0.0):
        """Writes `data` in pieces of `chop` bytes (1: octet-wise), with TCP_NODELAY so the
        pieces really leave as separate segments."""
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(data), chop):
            self.sock.sendall(data[i:i + chop])
            if delay:
                time.sleep(delay)

    def send_fragmented(self, opcode, payload, size, **kw):
        """One message as fragments of `size` payload bytes (at least one frame)."""
        if isinstance(payload, str):
            payload = payload.encode()
        pieces = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
        self.sock.sendall(b"".join(build_frame(opcode if i == 0 else OP_CONT, p, fin=(i == len(pieces) - 1), **kw)
                                   for i, p in enumerate(pieces)))

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"waiting for {n} bytes, have {len(self.buf)}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            except socket.timeout:
                continue
            if not chunk:
                raise Closed("connection closed")
            self.buf += chunk

    def recv_frame(self, timeout=5):
        """(fin, rsv, opcode, payload) of the next server frame; server frames are unmasked."""
        deadline = time.monotonic() + timeout
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        assert not (b1 & 0x80), "server frames must not be masked"
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._fill(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._fill(off + n, deadline)
        payload = bytes(self.buf[off:off + n])
        del self.buf[:off + n]
        return bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF, payload

    def recv_message(self, timeout=5):
        """(opcode, payload) of the next data message, answering nothing; skips pongs."""
        deadline = time.monotonic() + timeout
        parts, op = [], None
        while True:
            fin, rsv, opcode, payload = self.recv_frame(max(0.01, deadline - time.monotonic()))
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                raise Closed(f"close frame {parse_close(payload)}")
            if op is None:
                op = opcode
            parts.append(payload)
            if fin:
                return op, b"".join(parts)

    def expect_close(self, timeout=5):
        """Reads until a close frame; returns its code (1005 when empty). Data frames
        before it are ignored. Raises when the TCP connection ends without a close frame."""
        return self.expect_close_frame(timeout)[0]

    def expect_close_frame(self, timeout=5):
        """(code, reason bytes) of the next close frame, skipping other frames."""
        return parse_close(self.frames_until_close(timeout)[-1][3])

    def frames_until_close(self, timeout=5):
        """Every frame up to and including the server's close frame, for cases that must
        check what the server did not send before closing (no pong after a protocol error)."""
        deadline = time.monotonic() + timeout
        frames = []
        while True:
            frame = self.recv_frame(max(0.01, deadline - time.monotonic()))
            frames.append(frame)
            if frame[2] == OP_CLOSE:
                return frames

    def expect_eof(self, timeout=5):
        """True when the server closes the TCP connection within `timeout`."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self._fill(len(self.buf) + 1, deadline)
                self.buf.clear()
        except Closed:
            return True
        except TimeoutError:
            return False
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_close(payload):
    if len(payload) >= 2:
        return struct.unpack("!H", payload[:2])[0], payload[2:]
    return 1005, b""


def make_cert(directory):
    """A self-signed EC certificate for localhost, made with the openssl CLI."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


# --- running and reporting ----------------------------------------------------------

class CaseResult(unittest.TextTestResult):
    """Remembers one outcome per case (a failing subtest fails its case) for the report."""

    def startTestRun(self):
        super().startTestRun()
        self.outcomes = {}

    def _record(self, test, outcome):
        if self.outcomes.get(test.id()) not in ("FAILED", "ERROR"):
            self.outcomes[test.id()] = outcome

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "OK")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "FAILED")

    def addError(self, test, err):
        super().addError(test, err)
        # setUpClass errors arrive as a _ErrorHolder without a real test id per case.
        self._record(test, "ERROR")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "SKIPPED")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._record(test, "FAILED")


def main(title):
    """Runs the calling module's tests and prints a report in the manner of Autobahn's:
    one line per case grouped by section (the test class, titled by its docstring), then
    a closing 'N passed, N failed, N skipped' line. Exit status 1 when any case failed."""
    import __main__
    suite = unittest.defaultTestLoader.loadTestsFromModule(__main__)
    if len(sys.argv) > 1:  # names of classes or Class.test_method to run
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:], __main__)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CaseResult, stream=sys.stderr)
    result = runner.run(suite)
    counts = {"OK": 0, "FAILED": 0, "ERROR": 0, "SKIPPED": 0}
    section = None
    print(f"\n{title} report" + (f" (against {TEST_URL})" if TEST_URL else ""))
    for case_id, outcome in result.outcomes.items():
        if " (" in case_id:  # a class-level holder: "setUpClass (__main__.Class)"
            fixture, _, inner = case_id.partition(" (")
            cls_name, case = inner.rstrip(")").split(".")[-1], fixture
        else:
            parts = case_id.split(".")
            cls_name, case = (parts[-2], parts[-1]) if len(parts) >= 2 else ("", case_id)
        if cls_name != section:
            section = cls_name
            cls = getattr(__main__, cls_name, None)
            doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()) if cls is not None else ""
            print(f"\n  {cls_name}" + (f" - {doc}" if doc else ""))
        counts[outcome] += 1
        print(f"    {outcome:<8} {case}")
    failed = counts["FAILED"] + counts["ERROR"]
    # Errors outside any case (setUpClass, tearDownClass) fail the run as well.
    stray = sum(1 for t, _ in result.errors if t.id() not in result.outcomes)
    failed += stray
    print(f"\n{title}: {counts['OK']} passed, {failed} failed, {counts['SKIPPED']} skipped")
    sys.exit(0 if result.wasSuccessful() and failed == 0 else 1)
