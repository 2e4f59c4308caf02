"""The server API (docs/server-api.md) with a real HTTP client (http.client) against the real
binary, and real WebSocket clients (python websockets) that see its effects: every method's
success, 401/400/404/405/413, idempotent retries, keep-alive and pipelining, and the separate
api_listen address."""
import asyncio
import base64
import http.client
import json
import socket
import time
import unittest

import websockets

from wshub_testlib import hs256_token, Server, free_port, main, needs_own_server

API_KEY = "test-api-key-0123456789abcdef"
SECRET = "server-api-test-secret-of-32-bytes!!"
CONFIG = {
    "api": {"key": API_KEY},
    "auth": {"hmac_secret": SECRET},
    "client": {"allow_anonymous": True},
    "channels": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone", "read_history": "anyone",
                 "presence": True, "history_size": 100, "history_ttl": "5m"},
    "namespaces": {
        "private": {"subscribe": "nobody", "presence": True},
        "plain": {"subscribe": "anyone"},
    },
}


def token_for(user):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, SECRET)


class Api:
    """A keep-alive HTTP client of the server API."""

    def __init__(self, port, key=API_KEY):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.key = key

    def call(self, method, params=None, raw_body=None, http_method="POST", headers=None):
        body = raw_body if raw_body is not None else json.dumps(params if params is not None else {}).encode()
        h = {"Content-Type": "application/json"}
        if self.key is not None:
            h["Authorization"] = f"apikey {self.key}"
        h.update(headers or {})
        self.conn.request(http_method, f"/api/{method}", body=body, headers=h)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None), response

    def ok(self, method, params=None):
        status, body, _ = self.call(method, params)
        assert status == 200, (method, status, body)
        return body

    def close(self):
        self.conn.close()


class WsClient:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pending = {}
        self.pushes = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url, user=None):
        c = cls(await websockets.connect(url))
        msg = {"type": "connect"}
        if user:
            msg["token"] = token_for(user)
        reply = await c.request(msg)
        assert reply["type"] == "connected", reply
        c.client_id = reply["client"]
        return c

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                fut = self.pending.pop(msg.get("id"), None) if "id" in msg else None
                if fut is not None:
                    fut.set_result(msg)
                else:
                    await self.pushes.put(msg)
        except websockets.ConnectionClosed:
            pass

    async def request(self, msg, timeout=5):
        msg = dict(msg, id=self.next_id)
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[msg["id"]] = fut
        await self.ws.send(json.dumps(msg))
        return await asyncio.wait_for(fut, timeout)

    async def push(self, timeout=5):
        return await asyncio.wait_for(self.pushes.get(), timeout)

    async def no_push(self, wait=0.3):
        try:
            msg = await asyncio.wait_for(self.pushes.get(), wait)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected push {msg}")

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def in_thread(fn, *args):
    """http.client blocks: run it off the event loop so WebSocket reads go on."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@needs_own_server
class Methods(unittest.TestCase):
    """Each method succeeds and does what it says, seen by real WebSocket clients."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(CONFIG, workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def setUp(self):
        self.api = Api(self.server.port)

    def tearDown(self):
        self.api.close()

    def test_publish_reaches_subscribers_and_history(self):
        async def go():
            sub = await WsClient.connect(self.url)
            s = await sub.request({"type": "subscribe", "channel": "news"})
            self.assertEqual(s["type"], "subscribed")
            result = await in_thread(self.api.ok, "publish",
                                     {"channel": "news", "type": "alert", "payload": {"text": "deploy done"}})
            self.assertEqual(result["offset"], s["offset"] + 1)
            self.assertEqual(result["epoch"], s["epoch"])
            msg = await sub.push()
            self.assertEqual((msg["type"], msg["channel"], msg["payload"], msg["offset"]),
                             ("alert", "news", {"text": "deploy done"}, result["offset"]))
            self.assertNotIn("from", msg)
            history = await in_thread(self.api.ok, "history", {"channel": "news", "limit": 10})
            self.assertEqual(history["publications"][-1]["payload"], {"text": "deploy done"})
            self.assertEqual((history["offset"], history["epoch"]), (result["offset"], result["epoch"]))
            await sub.close()
        run(go())

    def test_idempotent_retry_is_published_once(self):
        async def go():
            sub = await WsClient.connect(self.url)
            await sub.request({"type": "subscribe", "channel": "orders"})
            params = {"channel": "orders", "payload": {"order": 7}, "idempotency_key": "order-7-shipped"}
            first = await in_thread(self.api.ok, "publish", params)
            retry = await in_thread(self.api.ok, "publish", params)
            self.assertEqual(first, retry)
            msg = await sub.push()
            self.assertEqual(msg["payload"], {"order": 7})
            await sub.no_push()
            other = await in_thread(self.api.ok, "publish", dict(params, idempotency_key="order-7-paid"))
            self.assertEqual(other["offset"], first["offset"] + 1)
            await sub.close()
        run(go())

    def test_broadcast_answers_per_channel(self):
        async def go():
            a = await WsClient.connect(self.url)
            await a.request({"type": "subscribe", "channel": "b1"})
            await a.request({"type": "subscribe", "channel": "b2"})
            result = await in_thread(self.api.ok, "broadcast",
                                     {"channels": ["b1", "b2", "no space allowed"], "payload": "hello"})
            got = result["results"]
            self.assertEqual([r["channel"] for r in got], ["b1", "b2", "no space allowed"])
            self.assertEqual(got[0]["offset"], 1)
            self.assertEqual(got[2]["error"]["code"], 102)
            msgs = [await a.push(), await a.push()]
            self.assertEqual(sorted(m["channel"] for m in msgs), ["b1", "b2"])
            await a.close()
        run(go())

    def test_send_reaches_every_connection_of_the_user(self):
        async def go():
            phone = await WsClient.connect(self.url, "alice")
            laptop = await WsClient.connect(self.url, "alice")
            bob = await WsClient.connect(self.url, "bob")
            self.assertEqual(await in_thread(self.api.ok, "send",
                                             {"user": "alice", "type": "notification", "payload": {"n": 1}}), {})
            for c in (phone, laptop):
                msg = await c.push()
                self.assertEqual((msg["type"], msg["payload"]), ("notification", {"n": 1}))
                self.assertNotIn("channel", msg)
            await bob.no_push()
            for c in (phone, laptop, bob):
                await c.close()
        run(go())

    def test_server_side_subscribe_and_unsubscribe(self):
        async def go():
            # private:* allows no client subscription: only the back-end can subscribe users.
            alice = await WsClient.connect(self.url, "carol")
            denied = await alice.request({"type": "subscribe", "channel": "private:team"})
            self.assertEqual(denied["code"], 103)
            self.assertEqual(await in_thread(self.api.ok, "subscribe", {"user": "carol", "channel": "private:team"}), {})
            pushed = await alice.push()
            self.assertEqual((pushed["type"], pushed["channel"]), ("subscribed", "private:team"))
            self.assertNotIn("id", pushed)
            await in_thread(self.api.ok, "publish", {"channel": "private:team", "payload": 1})
            self.assertEqual((await alice.push())["payload"], 1)
            stats = await in_thread(self.api.ok, "presence_stats", {"channel": "private:team"})
            self.assertEqual(stats, {"num_clients": 1, "num_users": 1})
            presence = await in_thread(self.api.ok, "presence", {"channel": "private:team"})
            self.assertEqual([(c["client"], c["user"]) for c in presence["clients"]], [(alice.client_id, "carol")])
            self.assertEqual(await in_thread(self.api.ok, "unsubscribe", {"user": "carol", "channel": "private:team"}), {})
            pushed = await alice.push()
            self.assertEqual((pushed["type"], pushed["channel"]), ("unsubscribed", "private:team"))
            await in_thread(self.api.ok, "publish", {"channel": "private:team", "payload": 2})
            await alice.no_push()
            await alice.close()
        run(go())

    def test_disconnect_closes_the_users_connections_with_the_code(self):
        async def go():
            dave = await WsClient.connect(self.url, "dave")
            erin = await WsClient.connect(self.url, "erin")
            self.assertEqual(await in_thread(self.api.ok, "disconnect",
                                             {"user": "dave", "code": 4100, "reason": "banned"}), {})
            notice = await dave.push()
            self.assertEqual((notice["type"], notice["code"], notice["reason"], notice["reconnect"]),
                             ("disconnect", 4100, "banned", False))
            await asyncio.wait_for(dave.ws.wait_closed(), 5)
            self.assertEqual((dave.ws.close_code, dave.ws.close_reason), (4100, "banned"))
            pong = await erin.request({"type": "ping"})
            self.assertEqual(pong["type"], "pong")
            await erin.close()
        run(go())

    def test_history_remove_starts_a_new_epoch(self):
        async def go():
            first = await in_thread(self.api.ok, "publish", {"channel": "log", "payload": "a"})
            self.assertEqual(await in_thread(self.api.ok, "history_remove", {"channel": "log"}), {})
            history = await in_thread(self.api.ok, "history", {"channel": "log"})
            self.assertEqual(history["publications"], [])
            again = await in_thread(self.api.ok, "publish", {"channel": "log", "payload": "b"})
            self.assertEqual(again["offset"], 1)
            self.assertNotEqual(again["epoch"], first["epoch"])
        run(go())

    def test_history_since_and_reverse(self):
        for i in range(5):
            self.api.ok("publish", {"channel": "seq", "payload": i})
        top = self.api.ok("history", {"channel": "seq", "limit": 0})
        self.assertEqual(top["publications"], [])
        since = self.api.ok("history", {"channel": "seq", "since": {"offset": 3, "epoch": top["epoch"]}, "limit": 10})
        self.assertEqual([p["payload"] for p in since["publications"]], [3, 4])
        newest = self.api.ok("history", {"channel": "seq", "limit": 2, "reverse": True})
        self.assertEqual([p["payload"] for p in newest["publications"]], [4, 3])

    def test_channels_and_info(self):
        async def go():
            clients = [await WsClient.connect(self.url) for _ in range(3)]
            for i, c in enumerate(clients):
                await c.request({"type": "subscribe", "channel": "plain:room"})
                await c.request({"type": "subscribe", "channel": f"plain:solo{i}"})
            listed = await in_thread(self.api.ok, "channels", {"pattern": "plain:*"})
            counts = {c["channel"]: c["subscribers"] for c in listed["channels"]}
            self.assertEqual(counts, {"plain:room": 3, "plain:solo0": 1, "plain:solo1": 1, "plain:solo2": 1})
            one = await in_thread(self.api.ok, "channels", {"pattern": "plain:r?om"})
            self.assertEqual([c["channel"] for c in one["channels"]], ["plain:room"])
            info = await in_thread(self.api.ok, "info", {})
            node = info["nodes"][0]
            self.assertGreaterEqual(node["connections"], 3)
            self.assertGreaterEqual(node["channels"], 4)
            self.assertTrue(node["id"] and node["version"])
            self.assertGreater(node["messages_in"], 0)
            self.assertEqual(len(info["nodes"]), 1)  # the memory broker: this node, in the cluster's shape
            self.assertTrue(node["address"].endswith(f":{self.server.port}"), node)
            self.assertEqual(info["totals"]["nodes"], 1)
            self.assertEqual(info["totals"]["connections"], node["connections"])
            for c in clients:
                await c.close()
        run(go())

    def test_batch_runs_in_order(self):
        result = self.api.ok("batch", {"commands": [
            {"method": "publish", "params": {"channel": "batch", "payload": {"step": 1}}},
            {"method": "history", "params": {"channel": "batch", "limit": 10}},
            {"method": "presence", "params": {"channel": "plain:x"}},
            {"method": "info"},
        ]})
        replies = result["replies"]
        self.assertEqual(len(replies), 4)
        self.assertEqual(replies[0]["offset"], 1)
        self.assertEqual(replies[1]["publications"][0]["payload"], {"step": 1})
        self.assertEqual(replies[2]["error"]["code"], 108)  # presence is off in "plain"
        self.assertIn("nodes", replies[3])
        status, body, _ = self.api.call("batch", {"commands": [{"method": "batch", "params": {"commands": []}}]})
        self.assertEqual((status, body["error"]["code"]), (400, 107))
        # One malformed command refuses the whole batch: nothing ran.
        status, body, _ = self.api.call("batch", {"commands": [
            {"method": "publish", "params": {"channel": "batch", "payload": 2}},
            {"method": "publish", "params": {"channel": "batch"}}]})
        self.assertEqual(status, 400)
        self.assertIn("commands[1]", body["error"]["message"])
        self.assertEqual(len(self.api.ok("history", {"channel": "batch", "limit": 10})["publications"]), 1)


@needs_own_server
class Refusals(unittest.TestCase):
    """Wrong keys, paths, methods and bodies get the documented status and error code."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(dict(CONFIG, http={"max_body_bytes": "64KiB"}), workers=2).start()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def test_missing_or_wrong_key_is_401_without_detail(self):
        bodies = set()
        for key, headers in ((None, {}), ("wrong-key-0123456789abcdef0", {}),
                             (None, {"Authorization": f"Bearer {API_KEY}"}),
                             (None, {"Authorization": f"apikey {API_KEY}x"}),
                             (None, {"Authorization": "apikey"})):
            api = Api(self.server.port, key)
            status, body, _ = api.call("publish", {"channel": "x", "payload": 1}, headers=headers)
            self.assertEqual(status, 401, (key, headers))
            bodies.add(json.dumps(body))
            api.close()
        self.assertEqual(bodies, {json.dumps({"error": {"code": 101, "message": "unauthorized"}})})
        # Unauthenticated callers learn nothing about paths either.
        status, _, _ = Api(self.server.port, None).call("no_such_method", {})
        self.assertEqual(status, 401)

    def test_unknown_method_404_wrong_verb_405(self):
        api = Api(self.server.port)
        status, body, _ = api.call("no_such_method", {})
        self.assertEqual((status, body["error"]["code"]), (404, 404))
        status, body, response = api.call("publish", raw_body=b"", http_method="GET")
        self.assertEqual((status, body["error"]["code"]), (405, 405))
        self.assertEqual(response.getheader("Allow"), "POST")
        api.close()

    def test_bad_bodies_are_400_naming_the_field(self):
        api = Api(self.server.port)
        cases = [
            (b"{not json", "body"),
            (b"[1,2]", "body"),
            (json.dumps({"payload": 1}).encode(), "channel"),
            (json.dumps({"channel": 5, "payload": 1}).encode(), "channel"),
            (json.dumps({"channel": "x"}).encode(), "payload"),
            (json.dumps({"channel": "x", "payload": 1, "type": 3}).encode(), "type"),
            (json.dumps({"channel": "x", "payload": json.loads("[" * 65 + "]" * 65)}).encode(), "payload"),
        ]
        for raw, field in cases:
            status, body, _ = api.call("publish", raw_body=raw)
            self.assertEqual((status, body["error"]["code"]), (400, 107), raw)
            self.assertTrue(body["error"]["message"].startswith(field), body)
        status, body, _ = api.call("disconnect", {"user": "u", "code": 1000})
        self.assertEqual((status, body["error"]["code"]), (400, 107))
        status, body, _ = api.call("publish", {"channel": "nope:x", "payload": 1})
        self.assertEqual((status, body["error"]["code"]), (400, 102))
        status, body, _ = api.call("history", {"channel": "plain:x"})
        self.assertEqual((status, body["error"]["code"]), (400, 108))
        # The connection survived every refusal (keep-alive), and the server too.
        self.assertEqual(api.ok("publish", {"channel": "x", "payload": 1})["offset"], 1)
        api.close()

    def test_body_over_the_limit_is_413(self):
        api = Api(self.server.port)
        status, _, _ = api.call("publish", raw_body=b'{"channel":"x","payload":"' + b"a" * 70000 + b'"}')
        self.assertEqual(status, 413)
        api.close()
        self.assertEqual(Api(self.server.port).ok("info")["nodes"][0]["version"] != "", True)

    def test_pipelined_requests_are_answered_in_order(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        requests = b""
        for i in range(20):
            body = json.dumps({"channel": "pipe", "payload": i}).encode()
            requests += (f"POST /api/publish HTTP/1.1\r\nHost: x\r\nAuthorization: apikey {API_KEY}\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        sock.sendall(requests)
        data = b""
        deadline = time.monotonic() + 5
        while data.count(b"HTTP/1.1 200") < 20 and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        sock.close()
        offsets = [json.loads(line)["offset"] for line in data.split(b"\r\n\r\n")[1:] if line.startswith(b"{")
                   for line in [line.split(b"\n")[0]]]
        self.assertEqual(offsets, list(range(1, 21)))


    def _pipeline(self, requests, expect, timeout=10):
        """Sends `requests` in one write; returns (status, body) per response, in order."""
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=timeout)
        sock.sendall(b"".join(requests))
        data = b""
        deadline = time.monotonic() + timeout
        responses = []
        while len(responses) < expect and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            while b"\r\n\r\n" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                length = next(int(l.split(b":")[1]) for l in lines if l.lower().startswith(b"content-length:"))
                if len(rest) < length:
                    break
                responses.append((int(lines[0].split()[1]), rest[:length]))
                data = rest[length:]
        sock.close()
        return responses

    @staticmethod
    def _publish_request(channel, payload, close=False):
        body = json.dumps({"channel": channel, "payload": payload}).encode()
        return (f"POST /api/publish HTTP/1.1\r\nHost: x\r\nAuthorization: apikey {API_KEY}\r\n"
                f"{'Connection: close' + chr(13) + chr(10) if close else ''}"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def test_many_pipelined_requests_beyond_the_window_keep_their_order(self):
        # More than the 64 requests one connection has in flight at once, with synchronous
        # answers (/healthz) between the asynchronous ones: every answer in request order.
        requests, expected = [], []
        for i in range(100):
            if i % 10 == 5:
                requests.append(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                expected.append("healthz")
            else:
                requests.append(self._publish_request("pipe-window", i))
                expected.append("publish")
        responses = self._pipeline(requests, len(requests))
        self.assertEqual(len(responses), len(requests))
        self.assertTrue(all(status == 200 for status, _ in responses), responses[:3])
        offsets = [json.loads(body)["offset"] for (status, body), kind in zip(responses, expected) if kind == "publish"]
        self.assertEqual(offsets, list(range(1, len(offsets) + 1)))
        history = Api(self.server.port).ok("history", {"channel": "pipe-window", "limit": 200})
        self.assertEqual([p["payload"] for p in history["publications"]],
                         [i for i, kind in enumerate(expected) if kind == "publish"])

    def test_nothing_after_a_pipelined_connection_close_is_processed(self):
        requests = [self._publish_request("pipe-close", 0), self._publish_request("pipe-close", 1, close=True),
                    self._publish_request("pipe-close", 2)]
        responses = self._pipeline(requests, 3, timeout=5)
        self.assertEqual([status for status, _ in responses], [200, 200])
        history = Api(self.server.port).ok("history", {"channel": "pipe-close", "limit": 10})
        self.assertEqual([p["payload"] for p in history["publications"]], [0, 1])

    def test_upgrade_pipelined_behind_an_api_request_waits_for_its_answer(self):
        key = base64.b64encode(b"0123456789abcdef").decode()
        upgrade = (f"GET /websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        sock.sendall(self._publish_request("pipe-upgrade", 0) + upgrade)
        data = b""
        deadline = time.monotonic() + 5
        while b"101 Switching Protocols" not in data and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        sock.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:80])
        self.assertIn(b"}\nHTTP/1.1 101 Switching Protocols", data)  # right after the publish's answer

    def test_malformed_request_behind_pipelined_ones_is_answered_last(self):
        requests = [self._publish_request("pipe-bad", 0), self._publish_request("pipe-bad", 1),
                    b"GARBAGE\r\n\r\n", self._publish_request("pipe-bad", 2)]
        responses = self._pipeline(requests, 4, timeout=5)
        self.assertEqual([status for status, _ in responses], [200, 200, 400])
        self.assertEqual(json.loads(responses[2][1])["error"]["code"], 400)
        history = Api(self.server.port).ok("history", {"channel": "pipe-bad", "limit": 10})
        self.assertEqual([p["payload"] for p in history["publications"]], [0, 1])


@needs_own_server
class SeparateListener(unittest.TestCase):
    """With server.api_listen the API is there only; WebSockets stay on the main listener."""

    @classmethod
    def setUpClass(cls):
        cls.api_port = free_port()
        config = dict(CONFIG, server={"api_listen": f"127.0.0.1:{cls.api_port}"})
        cls.server = Server(config, workers=2).start()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def test_api_only_on_api_listen(self):
        status, body, _ = Api(self.server.port).call("info", {})
        self.assertEqual(status, 404)
        self.assertIn("nodes", Api(self.api_port).ok("info"))
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=5)
        conn.request("GET", "/websocket", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                                   "Sec-WebSocket-Version": "13"})
        self.assertEqual(conn.getresponse().status, 404)

    def test_publish_on_api_port_reaches_main_port_subscribers(self):
        async def go():
            sub = await WsClient.connect(self.server.url("/websocket"))
            await sub.request({"type": "subscribe", "channel": "split"})
            await in_thread(Api(self.api_port).ok, "publish", {"channel": "split", "payload": "x"})
            self.assertEqual((await sub.push())["payload"], "x")
            await sub.close()
        run(go())


@needs_own_server
class ApiOff(unittest.TestCase):
    """Without api.key every API request is refused."""

    def test_no_key_configured_refuses_everything(self):
        config = {k: v for k, v in CONFIG.items() if k != "api"}
        with Server(config, workers=1) as server:
            for key in (None, "", API_KEY):
                status, _, _ = Api(server.port, key).call("info", {})
                self.assertEqual(status, 401)

    def test_short_key_is_a_configuration_error(self):
        server = Server(dict(CONFIG, api={"key": "short"}), workers=1)
        with self.assertRaises(RuntimeError) as caught:
            server.start()
        self.assertIn("api.key", str(caught.exception))


if __name__ == "__main__":
    main("Server API")
