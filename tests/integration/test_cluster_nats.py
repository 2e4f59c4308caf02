"""A cluster of three real wshub nodes on one real nats-server (docs/clustering.md, "NATS"),
started by the test on free loopback ports: fan-out across nodes from client and server API
publishes, user-addressed sends and server API disconnects across nodes, NATS going away
(publish answers 503 / error 113, connections stay up) and coming back (subscribers are
told to recover with 4502, fan-out resumes); a namespace with history refused at start
without a store; with a real redis-server as the store, history and recovery through another
node; and ingestion: publish commands sent to a NATS subject (by a tiny client speaking the
NATS text protocol) are executed by one node each and reach subscribers on every node."""
import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from test_cluster_redis import API_KEY, HAVE_REDIS, SECRET, Redis, WsClient, api_async, needs_redis, run, wait_for
from wshub_testlib import WSHUB_BIN, Server, free_port, main, needs_own_server, render_toml

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
HAVE_NATS = os.access(NATS_SERVER, os.X_OK)
needs_nats = unittest.skipUnless(HAVE_NATS, "nats-server is not installed (scripts/install-deps.sh)")


class Nats:
    """A nats-server on a free loopback port, stopped by PID."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen([NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(4).startswith(b"INFO"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


class NatsTextClient:
    """The NATS client protocol by hand (CONNECT, SUB, PUB, MSG): enough to publish a
    command and read the reply, with no client library."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        self._line()  # INFO {...}
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats-server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def _bytes(self, n):
        while len(self.buffer) < n + 2:
            self.buffer += self.sock.recv(65536)
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def subscribe(self, subject, sid):
        self.sock.sendall(f"SUB {subject} {sid}\r\n".encode())

    def publish(self, subject, body, reply=None):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        head = f"PUB {subject} {reply} {len(payload)}" if reply else f"PUB {subject} {len(payload)}"
        self.sock.sendall(head.encode() + b"\r\n" + payload + b"\r\n")

    def next_message(self):
        """The payload of the next MSG (answering the server's PINGs on the way)."""
        while True:
            line = self._line()
            if line.startswith(b"PING"):
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                return self._bytes(int(line.split()[-1]))
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def flush(self):
        """A PING answered by PONG: the server has processed everything sent before."""
        self.sock.sendall(b"PING\r\n")
        while True:
            line = self._line()
            if line.startswith(b"PONG"):
                return
            if line.startswith(b"PING"):
                self.sock.sendall(b"PONG\r\n")

    def close(self):
        self.sock.close()


def node_config(nats, prefix, redis=None, ingest_subject=None):
    channels = {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone", "read_history": "anyone",
                "join_leave": True}
    broker = {"type": "nats", "nats_url": nats.url, "nats_prefix": prefix}
    if redis:
        channels.update({"presence": True, "history_size": 1000, "history_ttl": "5m"})
        broker.update({"store": "redis", "redis_address": f"127.0.0.1:{redis.port}", "redis_prefix": prefix})
    config = {
        "api": {"key": API_KEY},
        "auth": {"hmac_secret": SECRET},
        "client": {"allow_anonymous": True},
        "channels": channels,
        "broker": broker,
    }
    if ingest_subject:
        config["ingest"] = {"nats_subject": ingest_subject}
    return config


class NatsClusterCase(unittest.TestCase):
    with_redis = False
    ingest_subject = None

    @classmethod
    def setUpClass(cls):
        cls.nats = Nats().start()
        cls.redis = Redis().start() if cls.with_redis else None
        prefix = f"cluster{os.getpid()}{cls.__name__}"
        cls.nodes = []
        try:
            for _ in range(3):
                cls.nodes.append(Server(node_config(cls.nats, prefix, cls.redis, cls.ingest_subject), workers=2).start())
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.stop()
        cls.nats.stop()
        if cls.redis:
            cls.redis.stop()


@needs_own_server
@needs_nats
class NatsCluster(NatsClusterCase):
    """Three nodes on one nats-server behave as one server for publications and users."""

    def test_publish_on_a_reaches_b_and_c_once_and_in_order(self):
        a, b, c = self.nodes

        async def go():
            on_b = await WsClient.connect(b)
            on_c = await WsClient.connect(c)
            publisher = await WsClient.connect(a)
            for client in (on_b, on_c):
                await client.subscribe("orders.eu>.>")  # "." and ">" mean something in NATS subjects
            for i in range(40):
                if i % 2:
                    reply = await publisher.request({"type": "publish", "channel": "orders.eu>.>", "payload": {"n": i}})
                    self.assertNotEqual(reply["type"], "error", reply)
                else:
                    status, body = await api_async(a.port, "publish", {"channel": "orders.eu>.>", "payload": {"n": i}})
                    self.assertEqual(status, 200, body)
            for client in (on_b, on_c):
                got = await client.publications(40)
                self.assertEqual([m["payload"]["n"] for m in got], list(range(40)))
                await client.no_publication()
            for client in (on_b, on_c, publisher):
                await client.close()

        run(go())

    def test_joins_cross_nodes(self):
        a, b, c = self.nodes

        async def go():
            alice = await WsClient.connect(a, "alice")
            await alice.subscribe("room")
            bob = await WsClient.connect(b, "bob")
            await bob.subscribe("room")
            join = await alice.push(kind="join")
            self.assertEqual((join["user"], join["client"]), ("bob", bob.client_id))
            await alice.close()
            await bob.close()

        run(go())

    def test_send_to_a_user_on_every_node(self):
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

    def test_history_without_a_store_is_refused_at_start(self):
        config = node_config(self.nats, "refused")
        config["channels"]["history_size"] = 10
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "wshub.toml")
            with open(path, "w") as f:
                f.write(render_toml(config))
            proc = subprocess.run([WSHUB_BIN, "--config", path], capture_output=True, timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        output = (proc.stdout + proc.stderr).decode()
        self.assertIn("channels.history_size = 10", output)
        self.assertIn("broker.store", output)


@needs_own_server
@needs_nats
class NatsOutage(NatsClusterCase):
    """nats-server killed: 503 and error 113, connections stay; restarted: 4502, fan-out again."""

    def test_outage_and_return(self):
        a, b, c = self.nodes

        async def go():
            subscriber = await WsClient.connect(a)
            await subscriber.subscribe("alerts")
            await api_async(b.port, "publish", {"channel": "alerts", "payload": {"n": 1}})
            await subscriber.publications(1)
            publisher = await WsClient.connect(b)

            self.nats.stop()

            async def refused():
                status, body = await api_async(b.port, "publish", {"channel": "alerts", "payload": {"n": 2}})
                return status == 503 and body["error"]["code"] == 113

            self.assertTrue(await wait_for(refused))  # libnats notices the closed socket at once
            reply = await publisher.request({"type": "publish", "channel": "alerts", "payload": {"n": 3}})
            self.assertEqual(reply["type"], "error", reply)
            self.assertEqual(reply["code"], 113, reply)
            pong = await subscriber.request({"type": "ping"})  # still connected and served
            self.assertNotEqual(pong["type"], "error")
            self.assertFalse(subscriber.closed.done())

            self.nats.start()  # same port
            self.assertEqual(await asyncio.wait_for(subscriber.closed, 20), 4502)

            async def publish_works():
                for node in self.nodes:
                    status, _ = await api_async(node.port, "publish", {"channel": "probe", "payload": {}})
                    if status != 200:
                        return False
                return True

            self.assertTrue(await wait_for(publish_works, timeout=20))
            again = await WsClient.connect(c)
            await again.subscribe("alerts")
            status, body = await api_async(a.port, "publish", {"channel": "alerts", "payload": {"n": 4}})
            self.assertEqual(status, 200, body)
            got = await again.publications(1)
            self.assertEqual(got[0]["payload"], {"n": 4})
            await again.close()
            await publisher.close()

        run(go())


@needs_own_server
@needs_nats
@needs_redis
class NatsWithRedisStore(NatsClusterCase):
    """broker.store = "redis": history, recovery and presence across nodes; offsets in order."""

    with_redis = True

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
            offsets = [m["offset"] for m in got]
            self.assertEqual(offsets, list(range(offsets[0], offsets[0] + 5)))
            await again.no_publication()
            await again.close()

        run(go())

    def test_presence_and_user_sends_across_nodes(self):
        a, b, c = self.nodes

        async def go():
            alice = await WsClient.connect(a, "alice")
            await alice.subscribe("room")
            bob = await WsClient.connect(b, "bob")
            await bob.subscribe("room")
            join = await alice.push(kind="join")  # over NATS
            self.assertEqual(join["user"], "bob")
            status, body = await api_async(c.port, "presence_stats", {"channel": "room"})  # in Redis
            self.assertEqual((status, body["num_clients"], body["num_users"]), (200, 2, 2))
            status, _ = await api_async(c.port, "send", {"user": "bob", "type": "note", "payload": {"x": 1}})
            self.assertEqual(status, 200)
            self.assertEqual((await bob.push(kind="note"))["payload"], {"x": 1})
            await alice.close()
            await bob.close()

        run(go())


@needs_own_server
@needs_nats
class NatsIngestion(NatsClusterCase):
    """Publish commands from a NATS subject: one node each, answered like api/publish."""

    ingest_subject = f"wshub.api.{os.getpid()}"

    def test_commands_are_published_once_and_answered(self):
        a, b, c = self.nodes

        async def go():
            on_a = await WsClient.connect(a)
            on_c = await WsClient.connect(c)
            for client in (on_a, on_c):
                await client.subscribe("ingested")
            bus = NatsTextClient(self.nats.port)
            bus.subscribe("_INBOX.test", 1)
            bus.flush()
            loop = asyncio.get_running_loop()

            def request(body):
                bus.publish(self.ingest_subject, body, reply="_INBOX.test")
                return json.loads(bus.next_message())

            answer = await loop.run_in_executor(None, request, {"channel": "ingested", "payload": {"n": 0}})
            self.assertEqual(answer.get("offset", 0), 0, answer)
            self.assertNotIn("error", answer)
            refused = await loop.run_in_executor(None, request, {"payload": {"n": 1}})
            self.assertEqual(refused["error"]["code"], 107, refused)  # channel: required
            # Without a reply subject: executed and logged. Three nodes ingest, each command once.
            for n in range(1, 11):
                bus.publish(self.ingest_subject, {"channel": "ingested", "payload": {"n": n}})
            await loop.run_in_executor(None, bus.flush)
            for client in (on_a, on_c):
                got = await client.publications(11)
                self.assertEqual(sorted(m["payload"]["n"] for m in got), list(range(11)))
                await client.no_publication()
            bus.close()
            for client in (on_a, on_c):
                await client.close()

        run(go())


if __name__ == "__main__":
    main("NATS cluster")
