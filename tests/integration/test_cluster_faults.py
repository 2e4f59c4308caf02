"""Loss accounting under faults (docs/clustering.md "Faults, as tested"): three real wshub
nodes on one real redis-server, all started by the test. A publisher sends 2,000 numbered
messages over the HTTP API (one at a time, retried on another node after a 503 or a lost
connection, every one with an idempotency key; now and then it drops a request's answer on
purpose and retries, as a back-end whose response was lost would) while a fault strikes
mid-stream. Six recovering subscribers, two per node, written as a real client is: on a
close they reconnect to the next node of their URL list and subscribe with
`recover: {offset, epoch}` (docs/protocol.md).

Every subscriber must end with all 2,000, in order, with no duplicate, except when history
was truly lost (Redis restarted without persistence): then it must have been told
`recovered: false`, and what it has is still in order and without duplicates.

  A  SIGKILL of a node: its subscribers move to other nodes and recover.
  B  redis-server restarted with persistence (AOF, fsync always): everything is recovered.
  B' redis-server restarted without persistence: subscribers are told recovered:false.
  C  SIGTERM of a node: its clients get the `disconnect` notice and close 4500 (reconnect
     advised), reconnect elsewhere and lose nothing.
  D  history_remove mid-stream (a new epoch under live subscribers): they are closed with
     4502 and told recovered:false, and what they have is in order without duplicates."""
import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import websockets

from test_cluster_redis import API_KEY, REDIS_SERVER, needs_redis, node_config
from wshub_testlib import Server, free_port, main, needs_own_server

TOTAL = 2000
FAULT_AT = 1000
CHANNEL = "faults"
RATE = 330  # publications a second: 2,000 in about 6 s


class RedisProcess:
    """redis-server on a fixed free port, optionally with an append-only file in a temp dir
    (appendfsync always: what was acknowledged survives a SIGKILL). Stopped by PID."""

    def __init__(self, persistent):
        self.port = free_port()
        self.persistent = persistent
        self.dir = tempfile.mkdtemp(prefix="wshub-faults-redis-")
        self.proc = None

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", self.dir]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Publisher(threading.Thread):
    """Publishes 1..TOTAL in order, each only after the previous one was accepted, so the
    channel's offsets follow the numbers. A failed attempt (503, refused, reset, timeout) is
    retried on the next node with the same idempotency key; every 97th message is first sent
    and its answer thrown away, then sent again: the key must keep it from being doubled."""

    def __init__(self, nodes, fault):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.fault = fault
        self.retries = 0
        self.error = None
        self.connections = {}

    def post(self, node, body, read=True):
        conn = self.connections.get(node.port)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=5)
            self.connections[node.port] = conn
        try:
            conn.request("POST", "/api/publish", body=body,
                         headers={"Content-Type": "application/json", "Authorization": f"apikey {API_KEY}"})
            if not read:
                conn.close()
                self.connections.pop(node.port, None)
                return None
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            self.connections.pop(node.port, None)
            return None

    def run(self):
        try:
            started = time.monotonic()
            for n in range(1, TOTAL + 1):
                if n == FAULT_AT:
                    self.fault()
                body = json.dumps({"channel": CHANNEL, "payload": {"n": n}, "idempotency_key": f"m{n}"})
                if n % 97 == 0:
                    self.post(self.nodes[n % 3], body, read=False)
                attempt = 0
                deadline = time.monotonic() + 30
                while self.post(self.nodes[(n + attempt) % 3], body) != 200:
                    attempt += 1
                    self.retries += 1
                    if time.monotonic() > deadline:
                        raise AssertionError(f"message {n} not accepted within 30 s")
                    time.sleep(0.02)
                pause = started + n / RATE - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            for conn in self.connections.values():
                conn.close()


class RecoveringSubscriber:
    """One application client: subscribes to CHANNEL; on any close or failure moves to the
    next URL and resubscribes with the position of the last publication it handled."""

    def __init__(self, urls, first):
        self.urls = urls
        self.index = first
        self.received = []           # the messages' numbers, as delivered
        self.position = None         # {"offset", "epoch"} of the last publication handled
        self.closes = []             # close codes of the connections it lost
        self.disconnects = []        # `disconnect` notices
        self.recovered = []          # `recovered` of each resubscription
        self.subscribed = asyncio.Event()
        self.done = asyncio.Event()
        self.stopped = False
        self.task = asyncio.ensure_future(self.run())

    async def run(self):
        while not self.stopped:
            url = self.urls[self.index % len(self.urls)]
            try:
                await self.session(url)
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException):
                pass
            if self.stopped:
                return
            self.index += 1
            await asyncio.sleep(0.05)

    async def session(self, url):
        async with websockets.connect(url, subprotocols=["wshub.json"], open_timeout=3, ping_interval=None,
                                      close_timeout=1) as ws:
            await ws.send(json.dumps({"type": "connect", "id": 1}))
            request = {"type": "subscribe", "id": 2, "channel": CHANNEL}
            if self.position:
                request["recover"] = self.position
            await ws.send(json.dumps(request))
            try:
                async for raw in ws:
                    msg = json.loads(raw)
                    kind = msg.get("type")
                    if kind == "subscribed":
                        asked = "recover" in request
                        if asked:
                            self.recovered.append(msg.get("recovered"))
                        if not (asked and msg.get("recovered")):
                            self.position = {"offset": msg["offset"], "epoch": msg["epoch"]}
                        self.subscribed.set()
                    elif kind == "error" and msg.get("id") == 2:
                        return  # e.g. 113 while the node's link to Redis is down: try the next node
                    elif kind == "disconnect":
                        self.disconnects.append(msg)
                    elif kind == "message" and msg.get("channel") == CHANNEL:
                        self.received.append(msg["payload"]["n"])
                        self.position = {"offset": msg["offset"], "epoch": self.position["epoch"]}
                        if msg["payload"]["n"] == TOTAL:
                            self.done.set()
            finally:
                if ws.close_code is not None:
                    self.closes.append(ws.close_code)

    async def stop(self):
        self.stopped = True
        self.task.cancel()
        try:
            await self.task
        except (asyncio.CancelledError, Exception):
            pass


@needs_own_server
@needs_redis
class ClusterFaults(unittest.TestCase):
    persistent = False

    def setUp(self):
        self.redis = RedisProcess(self.persistent).start()
        config = node_config(self.redis.port, f"faults{os.getpid()}")
        config["channels"]["history_size"] = 5000
        self.nodes = []
        try:
            for _ in range(3):
                self.nodes.append(Server(config, workers=2).start())
        except Exception:
            self.tearDown()
            raise

    def tearDown(self):
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.proc.kill()
                node.proc.wait(5)
        self.redis.cleanup()

    def run_with_fault(self, fault):
        """Subscribers on every node, the publisher with `fault` at FAULT_AT; returns the
        subscribers once each has the last message (or the wait gave up)."""
        urls = [node.url("/websocket") for node in self.nodes]

        async def go():
            subscribers = [RecoveringSubscriber(urls, i % 3) for i in range(6)]
            await asyncio.wait_for(asyncio.gather(*(s.subscribed.wait() for s in subscribers)), 10)
            publisher = Publisher(self.nodes, fault)
            publisher.start()
            await asyncio.get_running_loop().run_in_executor(None, publisher.join, 60)
            self.assertIsNone(publisher.error, publisher.error)
            try:
                await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in subscribers)), 20)
            except asyncio.TimeoutError:
                pass  # the assertions below say who is missing what
            await asyncio.sleep(0.3)  # nothing may follow the last message (a duplicate would)
            for s in subscribers:
                await s.stop()
            return subscribers

        return asyncio.run(asyncio.wait_for(go(), 85))

    def assert_everything(self, subscribers):
        for i, s in enumerate(subscribers):
            self.assertEqual(len(s.received), len(set(s.received)), f"subscriber {i}: duplicates")
            self.assertEqual(s.received, list(range(1, TOTAL + 1)), f"subscriber {i}: missing or out of order")
            self.assertTrue(all(s.recovered), f"subscriber {i} was told recovered:false: {s.recovered}")


class NodeKilled(ClusterFaults):
    def test_sigkill_of_a_node(self):
        victim = self.nodes[0]

        def fault():
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(5)

        subscribers = self.run_with_fault(fault)
        self.assert_everything(subscribers)
        moved = [s for s in subscribers[0::3]]  # the two that started on the killed node
        for s in moved:
            self.assertIn(1006, s.closes)  # no close frame from a killed process
            self.assertEqual(s.recovered[:1], [True])


class NodeTerminated(ClusterFaults):
    def test_sigterm_of_a_node(self):
        victim = self.nodes[2]
        subscribers = self.run_with_fault(lambda: victim.stop())
        self.assert_everything(subscribers)
        for s in subscribers[2::3]:
            self.assertEqual(s.closes[:1], [4500])
            notice = s.disconnects[0]
            self.assertEqual((notice["code"], notice["reconnect"]), (4500, True), notice)
            self.assertEqual(s.recovered[:1], [True])


class RedisRestartedWithPersistence(ClusterFaults):
    persistent = True

    def test_redis_restart_with_aof(self):
        def fault():
            self.redis.kill()
            self.redis.start()

        subscribers = self.run_with_fault(fault)
        self.assert_everything(subscribers)
        for s in subscribers:
            self.assertIn(4502, s.closes)  # told to recover once the nodes re-subscribed


class RedisRestartedWithoutPersistence(ClusterFaults):
    persistent = False

    def test_redis_restart_loses_history_and_says_so(self):
        def fault():
            self.redis.kill()
            self.redis.start()

        subscribers = self.run_with_fault(fault)
        for i, s in enumerate(subscribers):
            self.assertEqual(len(s.received), len(set(s.received)), f"subscriber {i}: duplicates")
            self.assertEqual(s.received, sorted(s.received), f"subscriber {i}: out of order")
            self.assertIn(4502, s.closes)
            self.assertIn(False, s.recovered, f"subscriber {i} was not told that history was lost")
            # Before the restart and after its own resubscription it has everything.
            self.assertEqual(s.received[-1], TOTAL)
            before = [n for n in s.received if n < FAULT_AT - 50]
            self.assertEqual(before, list(range(1, FAULT_AT - 50)), f"subscriber {i}")
            missing = TOTAL - len(s.received)
            print(f"\nsubscriber {i}: {len(s.received)} of {TOTAL} ({missing} missed: told recovered:false)",
                  flush=True)



class HistoryRemoved(ClusterFaults):
    """Not a crash, but the same loss of continuity: the channel's history is removed
    mid-stream, the next publication starts a new epoch at offset 1."""

    def test_history_removed_under_live_subscribers(self):
        from test_cluster_redis import api

        def fault():
            status, body = api(self.nodes[1].port, "history_remove", {"channel": CHANNEL})
            assert status == 200, body

        subscribers = self.run_with_fault(fault)
        for i, s in enumerate(subscribers):
            self.assertEqual(len(s.received), len(set(s.received)), f"subscriber {i}: duplicates")
            self.assertEqual(s.received, sorted(s.received), f"subscriber {i}: out of order")
            self.assertEqual(s.received[-1], TOTAL, f"subscriber {i}")
            self.assertEqual(s.received[:FAULT_AT - 1], list(range(1, FAULT_AT)), f"subscriber {i}")
            self.assertIn(4502, s.closes, f"subscriber {i} was not told about the new epoch")
            self.assertIn(False, s.recovered, f"subscriber {i}")

if __name__ == "__main__":
    main("Cluster faults")
