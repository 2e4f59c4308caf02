"""A cluster of three real wshub nodes on one real redis-server (docs/clustering.md), both
started by the test on free loopback ports: fan-out across nodes exactly once and in order,
history and recovery through another node, presence across nodes and after a SIGKILL,
user-addressed sends and server API disconnects across nodes, and Redis going away (publish
answers 503, connections stay up) and coming back (fan-out resumes, subscribers are told to
recover with 4502)."""
import asyncio
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import websockets

from wshub_testlib import hs256_token, Server, free_port, main, needs_own_server

API_KEY = "cluster-api-key-0123456789abcdef"
SECRET = "cluster-test-secret-of-32-bytes!!!!!"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
HAVE_REDIS = os.access(REDIS_SERVER, os.X_OK)
needs_redis = unittest.skipUnless(HAVE_REDIS, "redis-server is not installed (scripts/install-deps.sh)")


class Redis:
    """A redis-server without persistence on a free port, stopped by PID."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def token_for(user):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, SECRET)


def node_config(redis_port, prefix, presence_ttl="1m", extra=None):
    config = {
        "api": {"key": API_KEY},
        "auth": {"hmac_secret": SECRET},
        "client": {"allow_anonymous": True},
        "channels": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone",
                     "read_history": "anyone", "presence": True, "join_leave": True, "history_size": 1000,
                     "history_ttl": "5m"},
        "broker": {"type": "redis", "redis_address": f"127.0.0.1:{redis_port}", "redis_prefix": prefix,
                   "presence_ttl": presence_ttl},
    }
    for section, keys in (extra or {}).items():
        config.setdefault(section, {}).update(keys)
    return config


def api(port, method, params):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", f"/api/{method}", body=json.dumps(params).encode(),
                     headers={"Content-Type": "application/json", "Authorization": f"apikey {API_KEY}"})
        response = conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)
    finally:
        conn.close()


async def api_async(port, method, params):
    return await asyncio.get_running_loop().run_in_executor(None, api, port, method, params)


class WsClient:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pending = {}
        self.pushes = asyncio.Queue()
        self.closed = asyncio.get_running_loop().create_future()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, node, user=None):
        c = cls(await websockets.connect(node.url("/websocket"), subprotocols=["wshub.json"]))
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
        finally:
            if not self.closed.done():
                self.closed.set_result(self.ws.close_code)

    async def request(self, msg, timeout=10):
        msg = dict(msg, id=self.next_id)
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[msg["id"]] = fut
        await self.ws.send(json.dumps(msg))
        return await asyncio.wait_for(fut, timeout)

    async def subscribe(self, channel, recover=None):
        msg = {"type": "subscribe", "channel": channel}
        if recover:
            msg["recover"] = recover
        reply = await self.request(msg)
        assert reply["type"] == "subscribed", reply
        return reply

    async def push(self, timeout=10, kind=None):
        while True:
            msg = await asyncio.wait_for(self.pushes.get(), timeout)
            if kind is None or msg.get("type") == kind:
                return msg

    async def publications(self, n, timeout=10):
        out = []
        while len(out) < n:
            msg = await self.push(timeout)
            if msg.get("type") == "message" and "channel" in msg:
                out.append(msg)
        return out

    async def no_publication(self, wait=0.5):
        try:
            while True:
                msg = await asyncio.wait_for(self.pushes.get(), wait)
                if msg.get("type") == "message":
                    raise AssertionError(f"unexpected publication {msg}")
        except asyncio.TimeoutError:
            return

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 90))


async def wait_for(predicate, timeout=10, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(interval)
    return await predicate()


async def try_connect(node, user):
    """Connects as `user`: (client, None) when admitted, (None, (error reply, close code)) when refused."""
    c = WsClient(await websockets.connect(node.url("/websocket"), subprotocols=["wshub.json"]))
    reply = await c.request({"type": "connect", "token": token_for(user)})
    if reply["type"] == "connected":
        c.client_id = reply["client"]
        return c, None
    return None, (reply, await asyncio.wait_for(c.closed, 10))


class ClusterCase(unittest.TestCase):
    presence_ttl = "1m"
    extra_config = {}

    @classmethod
    def setUpClass(cls):
        cls.redis = Redis().start()
        prefix = f"cluster{os.getpid()}{cls.__name__}"
        cls.nodes = []
        try:
            for _ in range(3):
                cls.nodes.append(Server(node_config(cls.redis.port, prefix, cls.presence_ttl, cls.extra_config),
                                        workers=2).start())
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.stop()
        cls.redis.stop()


@needs_own_server
@needs_redis
class Cluster(ClusterCase):
    """Three nodes on one Redis behave as one server."""

    def test_publish_on_b_reaches_a_once_and_in_order(self):
        a, b, c = self.nodes

        async def go():
            on_a = await WsClient.connect(a)
            on_c = await WsClient.connect(c)
            publisher = await WsClient.connect(b)
            await on_a.subscribe("orders")
            await on_c.subscribe("orders")
            for i in range(50):
                if i % 2:
                    reply = await publisher.request({"type": "publish", "channel": "orders", "payload": {"n": i}})
                    self.assertNotEqual(reply["type"], "error", reply)
                else:
                    status, body = await api_async(b.port, "publish", {"channel": "orders", "payload": {"n": i}})
                    self.assertEqual(status, 200, body)
            for client in (on_a, on_c):
                got = await client.publications(50)
                self.assertEqual([m["payload"]["n"] for m in got], list(range(50)))
                offsets = [m["offset"] for m in got]
                self.assertEqual(offsets, list(range(offsets[0], offsets[0] + 50)))
                await client.no_publication()
            for client in (on_a, on_c, publisher):
                await client.close()

        run(go())

    def test_recovery_through_another_node(self):
        a, b, c = self.nodes

        async def go():
            client = await WsClient.connect(a)
            reply = await client.subscribe("news")
            await api_async(b.port, "publish", {"channel": "news", "payload": {"n": 1}})
            first = (await client.publications(1))[0]
            position = {"offset": first["offset"], "epoch": reply["epoch"]}
            await client.close()
            for n in range(2, 7):
                status, _ = await api_async(b.port, "publish", {"channel": "news", "payload": {"n": n}})
                self.assertEqual(status, 200)
            again = await WsClient.connect(c)
            reply = await again.subscribe("news", recover=position)
            self.assertTrue(reply["recovered"], reply)
            got = await again.publications(5)
            self.assertEqual([m["payload"]["n"] for m in got], [2, 3, 4, 5, 6])
            await again.no_publication()
            status, body = await api_async(a.port, "history", {"channel": "news"})
            self.assertEqual(status, 200, body)
            self.assertEqual([p["payload"]["n"] for p in body["publications"]], [1, 2, 3, 4, 5, 6])
            await again.close()

        run(go())

    def test_presence_and_joins_across_nodes(self):
        a, b, c = self.nodes

        async def go():
            alice = await WsClient.connect(a, "alice")
            await alice.subscribe("room")
            bob = await WsClient.connect(b, "bob")
            await bob.subscribe("room")
            join = await alice.push(kind="join")
            self.assertEqual((join["user"], join["client"]), ("bob", bob.client_id))
            reply = await bob.request({"type": "presence", "channel": "room"})
            self.assertEqual(sorted(x["user"] for x in reply["clients"]), ["alice", "bob"])
            status, body = await api_async(c.port, "presence_stats", {"channel": "room"})
            self.assertEqual((status, body["num_clients"], body["num_users"]), (200, 2, 2))
            await bob.close()
            leave = await alice.push(kind="leave")
            self.assertEqual(leave["user"], "bob")

            async def only_alice():
                _, body = await api_async(c.port, "presence", {"channel": "room"})
                return [x["user"] for x in body["clients"]] == ["alice"]

            self.assertTrue(await wait_for(only_alice))
            await alice.close()

        run(go())

    def test_send_to_a_user_on_other_nodes(self):
        a, b, c = self.nodes

        async def go():
            on_a = await WsClient.connect(a, "carol")
            on_c = await WsClient.connect(c, "carol")
            status, body = await api_async(b.port, "send", {"user": "carol", "type": "note", "payload": {"hi": 1}})
            self.assertEqual(status, 200, body)
            for client in (on_a, on_c):
                msg = await client.push(kind="note")
                self.assertEqual(msg["payload"], {"hi": 1})
            await on_a.close()
            await on_c.close()

        run(go())

    def test_info_lists_every_node(self):
        async def go():
            on_a = await WsClient.connect(self.nodes[0], "ivy")
            ids = set()

            async def three_nodes_with_ivy():
                status, body = await api_async(self.nodes[2].port, "info", {})
                self.assertEqual(status, 200, body)
                ids.clear()
                ids.update(n["id"] for n in body["nodes"])
                return len(body["nodes"]) == 3 and body["totals"]["connections"] >= 1

            self.assertTrue(await wait_for(three_nodes_with_ivy, timeout=15))
            status, body = await api_async(self.nodes[1].port, "info", {})
            self.assertEqual({n["id"] for n in body["nodes"]}, ids)  # every node sees the same list
            self.assertEqual(body["totals"]["nodes"], 3)
            ports = sorted(int(n["address"].rsplit(":", 1)[1]) for n in body["nodes"])
            self.assertEqual(ports, sorted(node.port for node in self.nodes))
            for n in body["nodes"]:
                self.assertTrue(n["version"] and n["updated_at"] > 0, n)
            self.assertEqual(body["totals"]["connections"], sum(n["connections"] for n in body["nodes"]))
            await on_a.close()

        run(go())

    def test_server_api_disconnect_across_nodes(self):
        a, b, c = self.nodes

        async def go():
            on_a = await WsClient.connect(a, "dave")
            on_b = await WsClient.connect(b, "dave")
            status, _ = await api_async(c.port, "disconnect", {"user": "dave", "code": 4321, "reason": "bye"})
            self.assertEqual(status, 200)
            for client in (on_a, on_b):
                self.assertEqual(await asyncio.wait_for(client.closed, 10), 4321)

        run(go())


@needs_own_server
@needs_redis
class NodeCrash(ClusterCase):
    """A node killed with SIGKILL: its clients leave presence within the TTL."""

    presence_ttl = "2s"
    extra_config = {"broker": {"node_heartbeat": "500ms"}}  # gone from `info` 1.5 s after the last

    def test_killed_nodes_presence_disappears(self):
        a, b, c = self.nodes

        async def go():
            on_a = await WsClient.connect(a, "erin")
            await on_a.subscribe("lobby")
            on_b = await WsClient.connect(b, "frank")
            await on_b.subscribe("lobby")

            async def users():
                _, body = await api_async(c.port, "presence", {"channel": "lobby"})
                return sorted(x["user"] for x in body["clients"])

            async def node_ids():
                status, body = await api_async(c.port, "info", {})
                self.assertEqual(status, 200, body)
                return {n["id"] for n in body["nodes"]}

            await asyncio.sleep(3)  # past the TTL: the nodes refresh their entries
            self.assertEqual(await users(), ["erin", "frank"])
            before = await node_ids()
            self.assertEqual(len(before), 3)
            a_id = on_a.client_id.split("-")[0]  # client ids start with their node's id
            self.assertIn(a_id, before)
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(5)
            started = time.monotonic()

            async def only_frank():
                return await users() == ["frank"]

            self.assertTrue(await wait_for(only_frank, timeout=8))
            self.assertLess(time.monotonic() - started, 6)  # TTL 2 s, plus slack for a loaded machine

            async def a_gone():
                return await node_ids() == before - {a_id}

            self.assertTrue(await wait_for(a_gone, timeout=8))  # node TTL 1.5 s
            await on_b.close()

        run(go())


@needs_own_server
@needs_redis
class RedisOutage(ClusterCase):
    """Redis stops: 503 and error replies, connections stay; Redis returns: fan-out again, recover."""

    def test_outage_and_return(self):
        a, b, c = self.nodes

        async def go():
            subscriber = await WsClient.connect(a)
            reply = await subscriber.subscribe("alerts")
            await api_async(b.port, "publish", {"channel": "alerts", "payload": {"n": 1}})
            await subscriber.publications(1)
            publisher = await WsClient.connect(b)
            gina = await WsClient.connect(a, "gina")  # no subscription: not told to recover

            self.redis.stop()
            await asyncio.sleep(0.3)
            status, body = await api_async(b.port, "publish", {"channel": "alerts", "payload": {"n": 2}})
            self.assertEqual(status, 503, body)
            self.assertEqual(body["error"]["code"], 113, body)
            reply = await publisher.request({"type": "publish", "channel": "alerts", "payload": {"n": 3}})
            self.assertEqual(reply["type"], "error", reply)
            self.assertEqual(reply["code"], 113, reply)
            # User-addressed methods refuse instead of dropping silently.
            for method, params in (("send", {"user": "gina", "type": "note", "payload": {"n": 1}}),
                                   ("disconnect", {"user": "gina"}),
                                   ("subscribe", {"user": "gina", "channel": "alerts"}),
                                   ("unsubscribe", {"user": "gina", "channel": "alerts"})):
                status, body = await api_async(c.port, method, params)
                self.assertEqual(status, 503, (method, body))
                self.assertEqual(body["error"]["code"], 113, (method, body))
                self.assertTrue(body["error"]["message"], body)
            self.assertFalse(gina.closed.done())  # the refused disconnect did nothing
            pong = await subscriber.request({"type": "ping"})  # still connected and served
            self.assertNotEqual(pong["type"], "error")
            self.assertFalse(subscriber.closed.done())

            self.redis.start()  # empty: no persistence
            # Told to recover: the node re-subscribed and closes subscribers with 4502.
            self.assertEqual(await asyncio.wait_for(subscriber.closed, 15), 4502)

            # Each node reconnects on its own backoff (up to 5 s): wait until all three are back.
            async def publish_works():
                for node in self.nodes:
                    status, _ = await api_async(node.port, "publish", {"channel": "probe", "payload": {}})
                    if status != 200:
                        return False
                return True

            self.assertTrue(await wait_for(publish_works, timeout=20))
            again = await WsClient.connect(c)

            async def subscribed():
                reply = await again.request({"type": "subscribe", "channel": "alerts"})
                if reply["type"] == "error":
                    self.assertEqual(reply["code"], 113, reply)  # c's pub/sub link not back yet
                    return False
                return reply["type"] == "subscribed"

            self.assertTrue(await wait_for(subscribed, timeout=20, interval=0.2))
            status, body = await api_async(a.port, "publish", {"channel": "alerts", "payload": {"n": 4}})
            self.assertEqual(status, 200, body)
            got = await again.publications(1)
            self.assertEqual(got[0]["payload"], {"n": 4})

            # Sends work again, and arrive (a's pub/sub link may come back after c's command link).
            async def delivered():
                status, body = await api_async(c.port, "send", {"user": "gina", "type": "note", "payload": {"n": 2}})
                if status != 200:
                    self.assertEqual(status, 503, body)
                    return False
                try:
                    return (await gina.push(timeout=1, kind="note"))["payload"] == {"n": 2}
                except asyncio.TimeoutError:
                    return False

            self.assertTrue(await wait_for(delivered, timeout=20))
            status, body = await api_async(c.port, "disconnect", {"user": "gina", "code": 4321})
            self.assertEqual(status, 200, body)
            self.assertEqual(await asyncio.wait_for(gina.closed, 10), 4321)
            await again.close()
            await publisher.close()

        run(go())


@needs_own_server
@needs_redis
class UserLimitAcrossNodes(ClusterCase):
    """limits.max_connections_per_user holds for the cluster, not per node."""

    extra_config = {"limits": {"max_connections_per_user": 2}}

    def test_third_connection_on_another_node_is_refused(self):
        a, b, _ = self.nodes

        async def go():
            first = await WsClient.connect(a, "uma")
            second = await WsClient.connect(a, "uma")
            client, refused = await try_connect(b, "uma")
            self.assertIsNone(client)
            reply, close_code = refused
            self.assertEqual((reply["type"], reply["code"]), ("error", 111), reply)  # as the node's own limit
            self.assertEqual(close_code, 4029)
            other, _ = await try_connect(b, "victor")  # other users are not affected
            self.assertIsNotNone(other)

            await first.close()

            # The slot is given back asynchronously: B admits once A's release reached Redis.
            admitted = []

            async def b_admits():
                c, _ = await try_connect(b, "uma")
                if c:
                    admitted.append(c)
                return bool(c)

            self.assertTrue(await wait_for(b_admits, timeout=10, interval=0.2))
            client, refused = await try_connect(a, "uma")  # two again: a and b
            self.assertIsNone(client)
            self.assertEqual(refused[1], 4029)
            for c in [second, other] + admitted:
                await c.close()

        run(go())


if __name__ == "__main__":
    main("Redis cluster")
