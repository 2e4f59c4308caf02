"""Limits ([limits], docs/security.md "Limits") against the real binary with real clients:
connection caps for the node and per client address (HTTP 429 before the upgrade, from
source addresses 127.0.0.2, 127.0.0.3, ...), per user (4029 for the extra connection),
the accept rate, the message rate (111, then 4029 under sustained abuse), and the
existing per-connection limits: subscriptions, channel name length, payload size, batch
length, and the Origin allow-list with patterns."""
import asyncio
import base64
import json
import os
import socket
import time
import unittest

import websockets

from wshub_testlib import (hs256_token, OP_TEXT, Closed, RawClient, Server, ServerTestCase, main, needs_own_server,
                           parse_http_response)

SECRET = "limits-test-secret-of-at-least-32-bytes"


def wait_for_open_connections(port, at_most, timeout=5):
    """Polls /metrics until the server holds at most `at_most` TCP connections."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        sock.close()
        value = next((float(line.split()[1]) for line in data.decode().splitlines()
                      if line.startswith("wshub_connections ")), None)
        if value is not None and value <= at_most:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the server still holds {value} connections")
        time.sleep(0.02)


def user_token(user, secret=SECRET):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, secret)


def upgrade(port, source="127.0.0.1", path="/echo", headers=None, timeout=5):
    """An upgrade request from `source`. Returns (status, headers, body, RawClient or None):
    the client when the server answered 101, for echoing through it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                status, h, _ = parse_http_response(head + sep)
                if status == 101:
                    return status, h, b"", RawClient(sock, rest)
                length = int(h.get("content-length", "0"))
                if len(rest) >= length:
                    sock.close()
                    return status, h, rest[:length], None
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    sock.close()
    raise Closed(f"no complete answer to the upgrade: {data!r}")


def echo_works(client, text="still here"):
    client.send_frame(OP_TEXT, text)
    return client.recv_message() == (OP_TEXT, text.encode())


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


class ConnectionCaps(ServerTestCase):
    """At most 4 WebSockets on the node and 2 per client address: the next is a 429."""
    CONFIG = {"limits": {"max_connections": 4, "max_connections_per_ip": 2, "accept_rate": 0}}

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        # The tests share one server: the next one starts only when these closes have
        # reached it, or its first upgrades would meet this test's connections in the caps.
        wait_for_open_connections(self.server.port, at_most=1)  # the scrape's own

    def admit(self, source):
        status, _, body, client = upgrade(self.server.port, source)
        self.assertEqual(status, 101, body)
        self.clients.append(client)
        return client

    def assert_refused(self, source, message):
        status, headers, body, _ = upgrade(self.server.port, source)
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("retry-after"), "1")
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(json.loads(body), {"error": {"code": 111, "message": message}})

    def wait_until_admitted(self, source):
        """A client's close reaches the server a moment later: retry for a while."""
        deadline = time.monotonic() + 5
        while True:
            status, _, _, client = upgrade(self.server.port, source)
            if status == 101:
                self.clients.append(client)
                return client
            self.assertLess(time.monotonic(), deadline, "the closed connection's slot never came back")
            time.sleep(0.05)

    def test_per_ip_cap_refuses_that_address_only(self):
        a = self.admit("127.0.0.2")
        self.admit("127.0.0.2")
        self.assert_refused("127.0.0.2", "too many connections from this address")
        other = self.admit("127.0.0.3")  # another address is still admitted
        self.assertTrue(echo_works(a))
        self.assertTrue(echo_works(other))
        # One of 127.0.0.2's connections closes: that address may connect again.
        a.close()
        self.clients.remove(a)
        self.assertTrue(echo_works(self.wait_until_admitted("127.0.0.2")))

    def test_node_cap_refuses_everyone_and_frees_on_close(self):
        first = self.admit("127.0.0.4")
        for source in ("127.0.0.5", "127.0.0.6", "127.0.0.7"):
            self.admit(source)
        self.assert_refused("127.0.0.8", "too many connections")
        for c in self.clients[1:]:
            self.assertTrue(echo_works(c))
        first.close()
        self.clients.remove(first)
        self.assertTrue(echo_works(self.wait_until_admitted("127.0.0.8")))

    def test_plain_http_is_not_counted(self):
        for source in ("127.0.0.9", "127.0.0.9", "127.0.0.10", "127.0.0.11"):
            self.admit(source)
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5, source_address=("127.0.0.9", 0))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 200"))
        sock.close()


@needs_own_server
class PerUserCap(unittest.TestCase):
    """Two connections per user: the third is told and closed with 4029; the others stay."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server({"auth": {"hmac_secret": SECRET}, "limits": {"max_connections_per_user": 2},
                             "channels": {"subscribe": "authenticated"}}, workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    async def connect_as(self, user):
        ws = await websockets.connect(self.url)
        await ws.send(json.dumps({"type": "connect", "id": 1, "token": user_token(user)}))
        return ws, json.loads(await asyncio.wait_for(ws.recv(), 5))

    async def ping(self, ws):
        await ws.send(json.dumps({"type": "ping", "id": 7}))
        return json.loads(await asyncio.wait_for(ws.recv(), 5))

    def test_the_extra_connection_of_a_user_is_closed_with_4029(self):
        async def go():
            # Spread over both workers: the count is the node's, not the worker's.
            alice = []
            for _ in range(2):
                ws, reply = await self.connect_as("alice")
                self.assertEqual(reply["type"], "connected", reply)
                alice.append(ws)
            extra, reply = await self.connect_as("alice")
            self.assertEqual(reply, {"type": "error", "id": 1, "code": 111,
                                     "message": "too many connections for this user"})
            disconnect = json.loads(await asyncio.wait_for(extra.recv(), 5))
            self.assertEqual(disconnect, {"type": "disconnect", "code": 4029, "reason": "too many requests",
                                          "reconnect": True})
            with self.assertRaises(websockets.ConnectionClosed):
                await asyncio.wait_for(extra.recv(), 5)
            self.assertEqual(extra.close_code, 4029)
            # The user's other connections and other users are unaffected.
            for ws in alice:
                self.assertEqual((await self.ping(ws))["type"], "pong")
            bob, reply = await self.connect_as("bob")
            self.assertEqual(reply["type"], "connected")
            # A closed connection frees its slot.
            await alice[0].close()
            deadline = time.monotonic() + 5
            while True:
                again, reply = await self.connect_as("alice")
                if reply["type"] == "connected":
                    break
                await again.close()
                self.assertLess(time.monotonic(), deadline)
                await asyncio.sleep(0.05)
            for ws in (alice[1], again, bob):
                self.assertEqual((await self.ping(ws))["type"], "pong")
                await ws.close()
        run(go())


@needs_own_server
class AcceptRate(unittest.TestCase):
    """10 new connections a second with a burst of 10: a storm of 40 gets about 10 through;
    the rest are refused at once with a 429, logged in a few lines, not 30."""

    def test_a_connection_storm_is_refused_cheaply(self):
        with Server({"limits": {"accept_rate": 10, "accept_burst": 10}}, workers=2) as server:
            time.sleep(1.1)  # the readiness probes took tokens: let the bucket fill again
            admitted, refused, clients = 0, 0, []
            try:
                for _ in range(40):
                    try:
                        status, _, body, client = upgrade(server.port)
                    except (Closed, ConnectionResetError, BrokenPipeError):
                        refused += 1  # closed before the 429 could be read: also a refusal
                        continue
                    if status == 101:
                        admitted += 1
                        clients.append(client)
                    else:
                        self.assertEqual(status, 429)
                        self.assertEqual(json.loads(body)["error"]["code"], 111)
                        refused += 1
                self.assertGreaterEqual(admitted, 10)
                self.assertLessEqual(admitted, 14)  # the burst, plus what a second of storm earns at most
                self.assertEqual(admitted + refused, 40)
                for c in clients:  # the admitted ones work
                    self.assertTrue(echo_works(c))
                # The refusal log line is itself rate-limited: one a second per worker.
                lines = [line for line in server.output().splitlines() if "refused a connection" in line]
                self.assertGreaterEqual(len(lines), 1)
                self.assertLessEqual(len(lines), 4, "\n".join(lines))
                # Later, the rate admits connections again.
                time.sleep(0.3)
                status, _, _, client = upgrade(server.port)
                self.assertEqual(status, 101)
                clients.append(client)
            finally:
                for c in clients:
                    c.close()


@needs_own_server
class MessageRate(unittest.TestCase):
    """5 requests a second, a burst of 10; 20 refusals within 10 s close with 4029."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server({"client": {"allow_anonymous": True},
                             "limits": {"message_rate": 5, "message_burst": 10, "max_refusals": 20,
                                        "refusal_window": "10s"}}, workers=1).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def test_over_the_rate_gets_111_then_sustained_abuse_closes_4029(self):
        async def go():
            bystander = await websockets.connect(self.url)
            ws = await websockets.connect(self.url)
            for i in range(1, 16):
                await ws.send(json.dumps({"type": "ping", "id": i}))
            replies = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(15)]
            self.assertEqual([r["type"] for r in replies[:10]], ["pong"] * 10)
            self.assertEqual(replies[10:], [{"type": "error", "id": i, "code": 111, "message": "too many requests"}
                                            for i in range(11, 16)])
            # A refused request is not processed: this subscribe does not happen.
            await ws.send(json.dumps({"type": "subscribe", "id": 50, "channel": "room"}))
            self.assertEqual(json.loads(await asyncio.wait_for(ws.recv(), 5))["code"], 111)
            # The bystander has its own bucket.
            await bystander.send(json.dumps({"type": "ping", "id": 1}))
            self.assertEqual(json.loads(await asyncio.wait_for(bystander.recv(), 5)), {"type": "pong", "id": 1})
            # Keep going: 6 refusals so far, the 20th closes.
            for i in range(100, 130):
                try:
                    await ws.send(json.dumps({"type": "ping", "id": i}))
                except websockets.ConnectionClosed:
                    break
            messages = []
            try:
                while True:
                    messages.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            except websockets.ConnectionClosed:
                pass
            self.assertEqual(ws.close_code, 4029)
            self.assertEqual(messages[-1], {"type": "disconnect", "code": 4029, "reason": "too many requests",
                                            "reconnect": True})
            refusals = [m for m in messages if m.get("code") == 111]
            self.assertEqual(len(refusals), 14, messages)  # 6 + 14 = 20
            await bystander.send(json.dumps({"type": "ping", "id": 2}))
            self.assertEqual(json.loads(await asyncio.wait_for(bystander.recv(), 5)), {"type": "pong", "id": 2})
            await bystander.close()
        run(go())

    def test_a_client_within_the_rate_is_never_refused(self):
        async def go():
            ws = await websockets.connect(self.url)
            for i in range(8):  # 10 a second: twice the rate, but within the burst over 0.8 s
                await ws.send(json.dumps({"type": "ping", "id": i}))
                self.assertEqual(json.loads(await asyncio.wait_for(ws.recv(), 5))["type"], "pong")
                await asyncio.sleep(0.1)
            await ws.close()
        run(go())


class RequestLimits(ServerTestCase):
    """The per-connection limits of [client], each at a small configured value, and the
    Origin allow-list with patterns."""
    CONFIG = {"client": {"allow_anonymous": True, "max_subscriptions": 3, "max_channel_length": 16,
                         "max_payload_size": 100, "max_batch": 5},
              "channels": {"subscribe": "anyone", "publish": "anyone"},
              "websocket": {"allowed_origins": ["https://*.example.com", "http://localhost:*"]}}

    async def client(self):
        return await websockets.connect(self.server.url("/websocket"))

    async def request(self, ws, msg):
        await ws.send(json.dumps(msg))
        return json.loads(await asyncio.wait_for(ws.recv(), 5))

    def test_subscriptions_per_connection(self):
        async def go():
            ws = await self.client()
            for i in range(3):
                reply = await self.request(ws, {"type": "subscribe", "id": i, "channel": f"s{i}"})
                self.assertEqual(reply["type"], "subscribed")
            reply = await self.request(ws, {"type": "subscribe", "id": 9, "channel": "s9"})
            self.assertEqual((reply["code"], reply["message"]), (106, "too many subscriptions on this connection"))
            # Another connection has its own count.
            other = await self.client()
            self.assertEqual((await self.request(other, {"type": "subscribe", "id": 1, "channel": "s9"}))["type"],
                             "subscribed")
            await ws.close()
            await other.close()
        run(go())

    def test_channel_name_length(self):
        async def go():
            ws = await self.client()
            reply = await self.request(ws, {"type": "subscribe", "id": 1, "channel": "x" * 16})
            self.assertEqual(reply["type"], "subscribed")
            reply = await self.request(ws, {"type": "subscribe", "id": 2, "channel": "x" * 17})
            self.assertEqual(reply, {"type": "error", "id": 2, "code": 106, "message": "channel: longer than 16 bytes"})
            await ws.close()
        run(go())

    def test_payload_size(self):
        async def go():
            ws = await self.client()
            reply = await self.request(ws, {"type": "publish", "id": 1, "channel": "p", "payload": "x" * 90})
            self.assertEqual(reply["type"], "ack")
            reply = await self.request(ws, {"type": "publish", "id": 2, "channel": "p", "payload": "x" * 200})
            self.assertEqual(reply, {"type": "error", "id": 2, "code": 106, "message": "payload: larger than 100 bytes"})
            await ws.close()
        run(go())

    def test_batch_length(self):
        async def go():
            ws = await self.client()
            await ws.send(json.dumps([{"type": "ping", "id": i} for i in range(1, 8)]))
            replies = []
            while len(replies) < 6:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                replies += frame if isinstance(frame, list) else [frame]
            # The first 5 are processed; the 2 over the limit get one error between them.
            self.assertEqual([r for r in replies if r["type"] == "pong"],
                             [{"type": "pong", "id": i} for i in range(1, 6)])
            self.assertEqual([r for r in replies if r["type"] == "error"],
                             [{"type": "error", "code": 106,
                               "message": "batch: 2 commands over the limit of 5 were not processed"}])
            await ws.close()
        run(go())

    def test_origin_allow_list_with_patterns(self):
        port = self.server.port
        for origin in ("https://evil.example.net", "https://example.com", "http://app.example.com",
                       "https://app.example.com.evil.net"):
            with self.subTest(origin=origin):
                self.assertEqual(upgrade(port, headers={"Origin": origin})[0], 403)
        for origin in ("https://app.example.com", "https://a.b.example.com", "http://localhost:3000"):
            with self.subTest(origin=origin):
                status, _, _, client = upgrade(port, headers={"Origin": origin})
                self.assertEqual(status, 101)
                self.assertTrue(echo_works(client))
                client.close()


if __name__ == "__main__":
    main("Limits")
