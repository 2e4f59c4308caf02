"""Shared helpers for integration tests: start the real build/wshub on a free loopback
port, stop it by PID, and a raw WebSocket client that can send any bytes (for the
conformance cases that real client libraries refuse to produce).

Every wait has a deadline: a test may fail, it may never hang."""
import base64
import os
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

WSHUB_BIN = os.environ.get("WSHUB_BIN", os.path.join(os.path.dirname(__file__), "../../build/wshub"))


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
    out = []
    for name, keys in sections.items():
        out.append(f"[{name}]")
        for k, v in keys.items():
            out.append(f"{k} = {toml_value(v)}")
        out.append("")
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


class ServerTestCase(unittest.TestCase):
    """One server for the whole class. Subclasses set CONFIG / WORKERS."""
    CONFIG = {}
    WORKERS = 2
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.CONFIG, workers=cls.WORKERS).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            print(cls.server.output())
        assert code == 0, f"wshub exit code {code}"

    def raw(self, path="/echo", **kw):
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
        self.buf = leftover

    @classmethod
    def connect(cls, port, path="/echo", extra_headers=None, tls=False, timeout=5, extensions=None):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            sock = wrap_tls_unverified(sock)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
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
            chunk = sock.recv(4096)
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
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
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
        deadline = time.monotonic() + timeout
        while True:
            fin, rsv, opcode, payload = self.recv_frame(max(0.01, deadline - time.monotonic()))
            if opcode == OP_CLOSE:
                return parse_close(payload)[0]

    def expect_eof(self, timeout=5):
        """True when the server closes the TCP connection within `timeout`."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self._fill(len(self.buf) + 1, deadline)
                self.buf = b""
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
