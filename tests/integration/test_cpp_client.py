"""The C++ client (clients/cpp) against the real build/wshub: the example program, and a
line-driven front end of the client (tests/integration/cpp/cpp_client_driver.cpp) whose events
the tests read. Covers connect with a token, subscribe, publications from a second C++ client,
publish with ack, presence, history, application requests' errors, wss with a verified
self-signed certificate (and its refusal without the CA), and the reconnect after a server-side
`disconnect` with reconnect advice, recovering what was published meanwhile."""
import http.server
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from wshub_testlib import Server, free_port, hs256_token, main, make_cert

BIN_DIR = os.environ.get("CPP_CLIENT_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/tests"))
EXAMPLES = os.environ.get("WSHUB_EXAMPLES_DIR", os.path.join(os.path.dirname(__file__), "../../build/examples"))
SECRET = "cpp-client-test-secret-of-32-bytes!!"
API_KEY = "cpp-client-test-api-key-0123456789"
CONFIG = {
    "api": {"key": API_KEY},
    "auth": {"hmac_secret": SECRET},
    "client": {"allow_anonymous": True},
    "channels": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone", "read_history": "anyone",
                 "presence": True, "join_leave": True, "history_size": 100, "history_ttl": "5m"},
}


class Backend(http.server.BaseHTTPRequestHandler):
    """The back-end of the `echo_it` route: answers with the request's payload."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps({"reply": {"echo": body["payload"], "user": body["user"]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def token_for(user):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, SECRET)


class Driver:
    """One cpp_client_driver process: commands in, JSON events out."""

    def __init__(self, url, user, *args, token=None):
        token = token if token is not None else token_for(user)
        self.proc = subprocess.Popen([os.path.join(BIN_DIR, "cpp_client_driver"), url, token, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.events = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, ev, timeout=10, **fields):
        """The next event named `ev` (others are skipped into `self.skipped`), checked against `fields`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {ev} event within {timeout}s")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event["ev"] == ev:
                for k, v in fields.items():
                    assert event.get(k) == v, (event, k, v)
                return event
            if event["ev"] == "error" and ev != "error":
                raise AssertionError(f"error while waiting for {ev}: {event}")

    def close(self):
        try:
            self.send("quit")
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("cpp_client_driver did not exit after quit")
        # Non-zero: a sanitizer report (when the driver is built with ASan) or a crash.
        assert code == 0, f"cpp_client_driver exited with {code}"


def api(port, method, params):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/{method}", data=json.dumps(params).encode(),
                                     headers={"Authorization": f"apikey {API_KEY}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"{}")


class PlainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Backend)
        threading.Thread(target=cls.backend.serve_forever, daemon=True).start()
        config = dict(CONFIG, routes={"echo_it": f"http://127.0.0.1:{cls.backend.server_address[1]}/rpc"})
        cls.server = Server(config).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.backend.shutdown()
        cls.backend.server_close()

    def driver(self, user, *args):
        d = Driver(self.url, user, *args)
        self.addCleanup(d.close)
        d.expect("connected", user=user)
        return d

    def test_example_runs(self):
        out = subprocess.run([os.path.join(EXAMPLES, "cpp_client"), self.url, token_for("example"), "example_ch"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("received: {\"n\":3}", out.stdout)
        self.assertIn("history: 3 publication(s)", out.stdout)
        self.assertTrue(out.stdout.endswith("ok\n"), out.stdout)

    def test_publication_from_a_second_client_presence_and_history(self):
        alice, bob = self.driver("alice"), self.driver("bob")
        alice.send("sub room")
        alice.expect("subscribed", channel="room", recovered=False, recover_requested=False)
        bob.send("sub room")
        bob.expect("subscribed")
        alice.expect("join", user="bob")
        bob.send('pub room {"text":"hi \\"there\\""}')
        offset = bob.expect("ack")["offset"]
        self.assertGreater(offset, 0)
        pub = alice.expect("pub", channel="room", offset=offset)
        self.assertEqual(pub["payload"], {"text": 'hi "there"'})
        alice.send("presence room")
        self.assertEqual(sorted(alice.expect("presence")["users"]), ["alice", "bob"])
        alice.send("history room")
        self.assertEqual(alice.expect("history")["offsets"], [offset])
        bob.send("unsub room")
        bob.expect("unsubscribed")
        alice.expect("leave", user="bob")

    def test_errors_come_back_with_their_codes(self):
        alice = self.driver("carol")
        alice.send("request no.such.type {}")
        self.assertEqual(alice.expect("error", op="request")["code"], 104)
        alice.send("pub bad*name 1")
        self.assertEqual(alice.expect("error", op="publish")["code"], 107)

    def test_request_reply_and_pushes_by_type(self):
        jo = self.driver("jo")
        jo.send('request echo_it {"q":[1,2]}')
        self.assertEqual(jo.expect("reply")["payload"], {"echo": {"q": [1, 2]}, "user": "jo"})
        self.assertEqual(api(self.server.port, "send", {"user": "jo", "type": "notice", "payload": {"n": 7}}), {})
        self.assertEqual(jo.expect("push")["payload"], {"n": 7})

    def test_reconnects_after_server_disconnect_and_recovers(self):
        dave = self.driver("dave", "--min-backoff", "300")
        dave.send("sub news")
        dave.expect("subscribed", channel="news")
        first = api(self.server.port, "publish", {"channel": "news", "payload": 0})["offset"]
        dave.expect("pub", offset=first)
        self.assertEqual(api(self.server.port, "disconnect",
                             {"user": "dave", "code": 4100, "reason": "moved", "reconnect": True}), {})
        dave.expect("disconnected", code=4100, will_reconnect=True)
        # Published while dave is away (or, on a fast machine, while it is resubscribing: either
        # way each must arrive exactly once, in order).
        offsets = [api(self.server.port, "publish", {"channel": "news", "payload": i})["offset"] for i in (1, 2, 3)]
        dave.expect("connected", user="dave")
        dave.expect("subscribed", channel="news", recover_requested=True, recovered=True)
        got = [dave.expect("pub")["offset"] for _ in offsets]
        self.assertEqual(got, offsets)

    def test_a_refused_token_is_reported_and_not_retried(self):
        bad = hs256_token({"sub": "mallory", "exp": int(time.time()) + 3600}, "another-secret-of-32-bytes-at-least!")
        d = Driver(self.url, "mallory", "--min-backoff", "50", token=bad)
        self.addCleanup(d.close)
        self.assertEqual(d.expect("error", op="connection")["code"], 101)
        d.expect("disconnected", code=4001, will_reconnect=False)

    def test_no_reconnect_after_a_close_advised_against(self):
        erin = self.driver("erin", "--min-backoff", "50")
        api(self.server.port, "disconnect", {"user": "erin", "code": 4003, "reason": "forbidden"})
        erin.expect("disconnected", code=4003, will_reconnect=False)


class RestartTest(unittest.TestCase):
    def test_restart_on_the_same_port_reports_recovery_lost(self):
        server = Server(CONFIG).start()
        self.addCleanup(server.stop)
        d = Driver(server.url("/websocket"), "frank", "--min-backoff", "100")
        self.addCleanup(d.close)
        d.expect("connected")
        d.send("sub feed")
        d.expect("subscribed")
        offset = api(server.port, "publish", {"channel": "feed", "payload": 1})["offset"]
        d.expect("pub", offset=offset)
        server.stop()
        d.expect("disconnected", will_reconnect=True)
        d.send("pub feed 2")  # queued while disconnected, sent after the reconnect
        server.start()  # same port, new memory broker: a new epoch
        d.expect("connected", timeout=20)
        # Replies may come in either order (docs/protocol.md "Batching").
        seen = {}
        while len(seen) < 2:
            event = d.events.get(timeout=10)
            seen.setdefault(event["ev"], event)
            self.assertNotEqual(event["ev"], "error", event)
        self.assertEqual((seen["subscribed"]["recover_requested"], seen["subscribed"]["recovered"]), (True, False))
        self.assertEqual(seen["ack"]["offset"], 1)  # the new epoch's first publication

    def test_heartbeat_detects_a_stopped_server(self):
        server = Server(CONFIG).start()
        self.addCleanup(server.stop)
        d = Driver(server.url("/websocket"), "kim", "--ping-interval", "300", "--pong-timeout", "300",
                   "--min-backoff", "100")
        self.addCleanup(d.close)
        d.expect("connected")
        server.proc.send_signal(signal.SIGSTOP)  # the TCP connection stays up; nothing answers
        try:
            d.expect("disconnected", code=3001, will_reconnect=True)
        finally:
            server.proc.send_signal(signal.SIGCONT)
        d.expect("connected", timeout=30)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="wshub-cpp-tls-")
        cls.cert, key = make_cert(cls.dir)
        cls.server = Server(CONFIG, tls=(cls.cert, key)).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_wss_with_the_ca_file(self):
        for host in ("127.0.0.1", "localhost"):  # an IP SAN and a DNS SAN (with SNI)
            d = Driver(f"wss://{host}:{self.server.port}/websocket", "gina", "--ca", self.cert)
            self.addCleanup(d.close)
            d.expect("connected", user="gina")
            d.send("sub tls")
            d.expect("subscribed")
            d.send('pub tls {"secure":true}')
            offset = d.expect("ack")["offset"]
            self.assertEqual(d.expect("pub", offset=offset)["payload"], {"secure": True})

    def test_wss_refuses_an_unknown_certificate(self):
        d = Driver(self.server.url("/websocket"), "hugo", "--min-backoff", "5000")
        self.addCleanup(d.close)
        event = d.expect("disconnected", code=1006)
        self.assertIn("certificate verify failed", event["reason"])

    def test_wss_insecure_skips_verification(self):
        d = Driver(self.server.url("/websocket"), "ivan", "--insecure")
        self.addCleanup(d.close)
        d.expect("connected", user="ivan")


if __name__ == "__main__":
    main("C++ client")
