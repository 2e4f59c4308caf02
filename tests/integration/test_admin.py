"""The admin dashboard (docs/operations.md, "Admin dashboard") against the real binary:
the static page and its headers, the live socket's login (wrong secret, no login, login
timeout, rate limit), stats that follow real clients, API calls over the socket (the
connections search by user and by channel, disconnect), the `connections` method over
HTTP, and the dashboard off unless configured (on in --dev)."""
import asyncio
import json
import subprocess
import time
import unittest

import websockets

from wshub_testlib import hs256_token, WSHUB_BIN, Server, http_request, main, needs_own_server

API_KEY = "admin-test-api-key-0123456789"
PASSWORD = "a long admin password"
SECRET = "admin-test-hmac-secret-of-32-bytes!!"
CONFIG = {
    "api": {"key": API_KEY},
    "admin": {"enabled": True, "password": PASSWORD},
    "auth": {"hmac_secret": SECRET},
    "client": {"allow_anonymous": True, "connect_timeout": "2s"},
    "channels": {"subscribe": "anyone", "allow_unknown_namespaces": True},
}


def token_for(user):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, SECRET)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def close_code(ws, timeout=5):
    """Reads until the server closes; returns its close code."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd else None


class Admin:
    """A logged-in client of /admin/live: stats are queued, replies matched by id."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pending = {}
        self.stats = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def login(cls, url, secret=PASSWORD):
        ws = await websockets.connect(url)
        await ws.send(json.dumps({"type": "login", "secret": secret}))
        welcome = await recv_json(ws)
        assert welcome["type"] == "welcome", welcome
        admin = cls(ws)
        admin.welcome = welcome
        return admin

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if msg["type"] == "stats":
                    await self.stats.put(msg)
                elif msg["type"] == "reply":
                    self.pending.pop(msg["id"]).set_result(msg)
        except websockets.ConnectionClosed:
            pass

    async def call(self, method, params=None):
        call_id = self.next_id
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[call_id] = fut
        await self.ws.send(json.dumps({"type": "call", "id": call_id, "method": method, "params": params or {}}))
        return await asyncio.wait_for(fut, 5)

    async def wait_for_connections(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = await asyncio.wait_for(self.stats.get(), timeout)
            if stats["connections"] == n:
                return stats
        raise AssertionError(f"connections never reached {n}")

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


async def protocol_client(url, user=None, channels=()):
    ws = await websockets.connect(url)
    if user:
        await ws.send(json.dumps({"type": "connect", "id": 1, "token": token_for(user)}))
        assert (await recv_json(ws))["type"] == "connected"
    for i, channel in enumerate(channels):
        await ws.send(json.dumps({"type": "subscribe", "id": 10 + i, "channel": channel}))
        assert (await recv_json(ws))["type"] == "subscribed"
    return ws


def api(port, method, params, key=API_KEY):
    status, _, body = http_request(port, "POST", f"/api/{method}", {"Authorization": f"apikey {key}"},
                                   json.dumps(params).encode())
    return status, json.loads(body)


@needs_own_server
class Page(unittest.TestCase):
    """GET /admin: embedded files with their types, a strict CSP, GET and HEAD only."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG).start()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_index_and_assets(self):
        for path, kind in [("/admin", "text/html"), ("/admin/", "text/html"), ("/admin/index.html", "text/html"),
                           ("/admin/admin.js", "text/javascript"), ("/admin/admin.css", "text/css")]:
            status, headers, body = http_request(self.server.port, "GET", path)
            self.assertEqual(status, 200, path)
            self.assertTrue(headers["content-type"].startswith(kind), (path, headers))
            csp = headers["content-security-policy"]
            self.assertIn("default-src 'none'", csp)
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn("unsafe-inline", csp)
            self.assertEqual(headers["x-content-type-options"], "nosniff")
            self.assertEqual(headers["cache-control"], "no-cache")
            self.assertGreater(len(body), 100)
        _, _, html = http_request(self.server.port, "GET", "/admin")
        self.assertIn(b'src="/admin/admin.js"', html)
        self.assertNotIn(b"<script>", html)  # no inline script: the CSP would refuse it

    def test_head_has_the_headers_without_the_body(self):
        _, get_headers, body = http_request(self.server.port, "GET", "/admin/admin.js")
        status, headers, head_body = http_request(self.server.port, "HEAD", "/admin/admin.js")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-length"], str(len(body)))
        self.assertEqual(head_body, b"")

    def test_unknown_files_and_methods(self):
        for path in ["/admin/nope.js", "/admin/../api/info", "/administrator", "/admin/admin.js/x"]:
            status, _, _ = http_request(self.server.port, "GET", path)
            self.assertEqual(status, 404, path)
        status, headers, _ = http_request(self.server.port, "POST", "/admin/admin.js", body=b"x")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD")

    def test_live_needs_a_websocket(self):
        status, _, _ = http_request(self.server.port, "GET", "/admin/live")
        self.assertIn(status, (400, 426))


@needs_own_server
class Live(unittest.TestCase):
    """/admin/live: login, stats, API calls, disconnect."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG).start()
        cls.live = cls.server.url("/admin/live")
        cls.ws_url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_wrong_password_is_refused_with_4001(self):
        async def go():
            for secret in ["guess-xyzzy", "", API_KEY]:  # with a password set, the API key is not it
                ws = await websockets.connect(self.live)
                await ws.send(json.dumps({"type": "login", "secret": secret}))
                error = await recv_json(ws)
                self.assertEqual(error["error"]["code"], 101, secret)
                self.assertEqual(await close_code(ws), 4001)
        run(go())
        # Neither the guesses nor the password are ever logged.
        for secret in ["guess-xyzzy", API_KEY, PASSWORD]:
            self.assertNotIn(secret, self.server.output())

    def test_calls_before_login_are_refused(self):
        async def go():
            ws = await websockets.connect(self.live)
            await ws.send(json.dumps({"type": "call", "id": 1, "method": "info"}))
            error = await recv_json(ws)
            self.assertEqual(error["error"]["code"], 101)
            self.assertEqual(await close_code(ws), 4001)
        run(go())

    def test_no_login_in_time_is_closed_with_4005(self):
        async def go():
            ws = await websockets.connect(self.live)
            self.assertEqual(await close_code(ws, timeout=10), 4005)
        run(go())

    def test_stats_follow_the_connections(self):
        async def go():
            admin = await Admin.login(self.live)
            self.assertEqual(admin.welcome["workers"], 2)
            first = await asyncio.wait_for(admin.stats.get(), 5)  # sent at once
            for key in ["time", "uptime", "connections", "channels", "messages_in", "messages_out",
                        "messages_in_per_second", "messages_out_per_second", "workers"]:
                self.assertIn(key, first)
            self.assertEqual(len(first["workers"]), 2)
            base = first["connections"]
            clients = [await protocol_client(self.ws_url) for _ in range(3)]
            stats = await admin.wait_for_connections(base + 3)
            self.assertEqual(sum(w["connections"] for w in stats["workers"]), base + 3)
            for c in clients:
                await c.close()
            await admin.wait_for_connections(base)
            await admin.close()
        run(go())

    def test_connections_search_and_disconnect(self):
        async def go():
            admin = await Admin.login(self.live)
            alice = await protocol_client(self.ws_url, "alice", ["chat:lobby", "news"])
            alice2 = await protocol_client(self.ws_url, "alice")
            bob = await protocol_client(self.ws_url, "bob", ["chat:lobby"])
            anon = await protocol_client(self.ws_url, None, ["news"])

            reply = await admin.call("connections", {"user": "alice"})
            result = reply["result"]
            self.assertEqual(result["total"], 2)
            self.assertEqual({c["user"] for c in result["connections"]}, {"alice"})
            entry = next(c for c in result["connections"] if c["channels"])
            self.assertEqual(entry["channels"], ["chat:lobby", "news"])
            self.assertTrue(entry["remote_address"].startswith("127.0.0.1:"))
            self.assertGreaterEqual(entry["messages_in"], 3)  # connect + two subscribes
            self.assertGreaterEqual(entry["messages_out"], 3)
            self.assertLess(abs(entry["connected_at"] / 1000 - time.time()), 60)

            result = (await admin.call("connections", {"channel": "chat:*"}))["result"]
            self.assertEqual(sorted(c["user"] for c in result["connections"]), ["alice", "bob"])
            result = (await admin.call("connections", {"channel": "news"}))["result"]
            self.assertEqual(sorted(c["user"] for c in result["connections"]), ["", "alice"])
            result = (await admin.call("connections", {"channel": "chat:*", "limit": 1}))["result"]
            self.assertEqual((len(result["connections"]), result["total"]), (1, 2))
            # The oldest first: alice subscribed before bob.
            self.assertEqual(result["connections"][0]["user"], "alice")

            channels = (await admin.call("channels"))["result"]["channels"]
            self.assertIn({"channel": "chat:lobby", "subscribers": 2}, channels)

            bad = await admin.call("connections", {"limit": 0})
            self.assertEqual(bad["error"]["code"], 107)
            refused = await admin.call("publish", {"channel": "news", "payload": 1})
            self.assertEqual(refused["error"]["code"], 404)

            # The same method over HTTP, with the API key.
            status, body = await asyncio.get_running_loop().run_in_executor(
                None, api, self.server.port, "connections", {"user": "bob"})
            self.assertEqual(status, 200)
            self.assertEqual([c["user"] for c in body["connections"]], ["bob"])

            self.assertEqual((await admin.call("disconnect", {"user": "alice"}))["result"], {})
            self.assertEqual(await close_code(alice), 4000)
            self.assertEqual(await close_code(alice2), 4000)
            result = (await admin.call("connections", {"user": "alice"}))["result"]
            self.assertEqual(result["total"], 0)
            self.assertIn("disconnects user alice", self.server.output())
            for ws in (bob, anon):
                await ws.close()
            await admin.close()
        run(go())


@needs_own_server
class LoginRateLimit(unittest.TestCase):
    """Login attempts are limited node-wide: a guesser gets 111 and 4029."""

    def test_many_wrong_logins(self):
        with Server(CONFIG) as server:
            async def go():
                codes = []
                for _ in range(15):
                    ws = await websockets.connect(server.url("/admin/live"))
                    await ws.send(json.dumps({"type": "login", "secret": "guess"}))
                    error = await recv_json(ws)
                    codes.append((error["error"]["code"], await close_code(ws)))
                self.assertIn((101, 4001), codes)
                self.assertIn((111, 4029), codes)
                # The right password is refused too while the bucket is empty.
                ws = await websockets.connect(server.url("/admin/live"))
                await ws.send(json.dumps({"type": "login", "secret": PASSWORD}))
                self.assertEqual((await recv_json(ws))["error"]["code"], 111)
                await ws.close()
            run(go())


@needs_own_server
class Configuration(unittest.TestCase):
    """Off unless configured; on in --dev with the API key; refused without a secret."""

    def test_off_by_default(self):
        with Server({"api": {"key": API_KEY}}) as server:
            for path in ["/admin", "/admin/admin.js", "/admin/live"]:
                status, _, _ = http_request(server.port, "GET", path)
                self.assertEqual(status, 404, path)

    def test_on_in_dev_mode_with_the_api_key(self):
        with Server({}, extra_args=["--dev"]) as server:
            status, _, _ = http_request(server.port, "GET", "/admin")
            self.assertEqual(status, 200)

            async def go():
                admin = await Admin.login(server.url("/admin/live"), "wshub-dev-api-key")
                await admin.close()
            run(go())
            self.assertIn("admin dashboard: http://", server.output())

    def test_enabled_without_a_secret_is_refused(self):
        server = Server({"admin": {"enabled": True}})
        with self.assertRaises(RuntimeError) as caught:
            server.start()
        self.assertIn("admin.enabled", str(caught.exception))

    def test_short_password_is_refused(self):
        server = Server({"admin": {"enabled": True, "password": "short"}})
        with self.assertRaises(RuntimeError) as caught:
            server.start()
        self.assertIn("admin.password: at least 12 bytes", str(caught.exception))


if __name__ == "__main__":
    main("Admin dashboard")
