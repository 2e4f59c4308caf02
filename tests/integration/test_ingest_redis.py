"""Ingestion from a Redis stream (docs/server-api.md "Ingestion from a Redis stream"): a real
redis-server and real wshub nodes started by the test; entries are added with raw RESP the
way a back-end would (XADD). A WebSocket subscriber receives them in order; malformed
entries are dead-lettered and do not block the next; entries added while the node was down,
and entries the node had read but not acknowledged (read under its consumer name while it
was down, as a crash before the XACK leaves them), are published when it starts; a second
consumer's unacknowledged entries are claimed (XAUTOCLAIM) and published by the node."""
import asyncio
import socket
import time
import unittest

from test_cluster_redis import API_KEY, Redis, WsClient, api_async, needs_redis, node_config, run, wait_for
from wshub_testlib import Server, http_request, main, needs_own_server

STREAM = "ingest:api"
DEAD = "ingest:dead"


class Resp:
    """A minimal RESP2 client: enough for XADD, XREADGROUP, XPENDING, XLEN."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def call(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(f"${len(a)}\r\n".encode() + a + b"\r\n")
        self.sock.sendall(b"".join(out))
        return self._read()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP {line!r}")

    def close(self):
        self.sock.close()


def command(channel, n, **extra):
    import json
    return json.dumps(dict({"channel": channel, "payload": {"n": n}}, **extra))


def metric(node, name):
    status, _, body = http_request(node.port, "GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def ingest_config(redis_port, prefix):
    config = node_config(redis_port, prefix)
    config["ingest"] = {"redis_stream": STREAM, "redis_dead_letter_stream": DEAD, "redis_block": "500ms",
                        "redis_claim_idle": "1s"}
    return config


async def history(node, channel):
    status, body = await api_async(node.port, "history", {"channel": channel})
    assert status == 200, body
    return [p["payload"]["n"] for p in body["publications"]]


@needs_own_server
@needs_redis
class RedisStreamIngest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = Redis().start()
        cls.node = Server(ingest_config(cls.redis.port, "ingest"), workers=2)
        try:
            cls.node.start()
        except Exception:
            cls.redis.stop()
            raise
        cls.r = Resp(cls.redis.port)

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.node.stop()
        cls.redis.stop()

    def consumer_name(self):
        return f"{socket.gethostname()}:{self.node.port}"

    def pending(self):
        return self.r.call("XPENDING", STREAM, "wshub")[0]

    def test_entries_reach_a_subscriber_and_malformed_ones_do_not_block(self):
        async def go():
            client = await WsClient.connect(self.node)
            await client.subscribe("feed")
            before = metric(self.node, "wshub_redis_ingest_rejected_total") or 0
            self.r.call("XADD", STREAM, "*", "command", command("feed", 1))
            self.r.call("XADD", STREAM, "*", "command", '{"channel":"feed"')          # not JSON
            self.r.call("XADD", STREAM, "*", "other", "field")                         # no command
            self.r.call("XADD", STREAM, "*", "command", '{"channel":"a b","payload":1}')  # bad channel
            self.r.call("XADD", STREAM, "*", "command", command("feed", 2))
            got = await client.publications(2)
            self.assertEqual([m["payload"]["n"] for m in got], [1, 2])
            await client.no_publication()
            self.assertTrue(await wait_for(lambda: asyncio.sleep(0, self.pending() == 0)))
            self.assertEqual(metric(self.node, "wshub_redis_ingest_rejected_total") - before, 3)
            dead = self.r.call("XRANGE", DEAD, "-", "+")
            errors = [dict(zip(fields[::2], fields[1::2])) for _, fields in dead[-3:]]
            self.assertIn("not valid JSON", errors[0]["error"])
            self.assertEqual(errors[0]["command"], '{"channel":"feed"')
            self.assertEqual(errors[1]["other"], "field")
            self.assertEqual(errors[2]["code"], "102")
            await client.close()

        run(go())

    def test_an_idempotency_key_publishes_once(self):
        async def go():
            for _ in range(3):
                self.r.call("XADD", STREAM, "*", "command", command("once", 7, idempotency_key="order-7"))
            self.r.call("XADD", STREAM, "*", "command", command("once", 8))

            async def both():
                return await history(self.node, "once") == [7, 8]

            self.assertTrue(await wait_for(both))

        run(go())

    def test_entries_of_a_dead_consumer_are_claimed(self):
        async def go():
            before = metric(self.node, "wshub_redis_ingest_claimed_total")
            # Another node read them and died before acknowledging. In one transaction, so
            # that the node's own blocked read cannot take them first.
            self.r.call("MULTI")
            for n in range(1, 6):
                self.r.call("XADD", STREAM, "*", "command", command("claimed", n))
            self.r.call("XREADGROUP", "GROUP", "wshub", "crashed-node", "COUNT", "5", "STREAMS", STREAM, ">")
            replies = self.r.call("EXEC")
            self.assertEqual(len(replies[-1][0][1]), 5)

            async def all_five():
                return await history(self.node, "claimed") == [1, 2, 3, 4, 5]

            self.assertTrue(await wait_for(all_five, timeout=15))
            self.assertTrue(await wait_for(lambda: asyncio.sleep(0, self.pending() == 0)))
            self.assertEqual(metric(self.node, "wshub_redis_ingest_claimed_total") - before, 5)

        run(go())

    def test_restart_reads_its_own_pending_entries_then_what_came_meanwhile(self):
        async def go():
            self.node.stop()
            for n in range(1, 3):
                self.r.call("XADD", STREAM, "*", "command", command("restart", n))
            # Read under the node's own name and not acknowledged: what a SIGKILL between the
            # read and the XACK leaves behind.
            read = self.r.call("XREADGROUP", "GROUP", "wshub", self.consumer_name(), "COUNT", "2", "STREAMS",
                               STREAM, ">")
            self.assertEqual(len(read[0][1]), 2)
            for n in range(3, 6):
                self.r.call("XADD", STREAM, "*", "command", command("restart", n))
            self.node.start()

            async def all_five():
                return await history(self.node, "restart") == [1, 2, 3, 4, 5]

            self.assertTrue(await wait_for(all_five))
            self.assertTrue(await wait_for(lambda: asyncio.sleep(0, self.pending() == 0)))
            self.assertEqual(metric(self.node, "wshub_redis_ingest_claimed_total"), 0)  # its own, not claimed

        run(go())


@needs_own_server
@needs_redis
class RedisStreamIngestFirstStart(unittest.TestCase):
    """Entries added before any node ran (no stream, no group yet) are published at start."""

    def test_entries_before_the_first_start(self):
        redis = Redis().start()
        r = Resp(redis.port)
        node = Server(ingest_config(redis.port, "first"), workers=1)
        try:
            for n in range(1, 4):
                r.call("XADD", STREAM, "*", "command", command("early", n))
            node.start()

            async def go():
                async def all_three():
                    return await history(node, "early") == [1, 2, 3]

                self.assertTrue(await wait_for(all_three))

            run(go())
            self.assertEqual(metric(node, "wshub_redis_ingest_published_total"), 3)
            self.assertEqual(metric(node, "wshub_redis_ingest_connected"), 1)
        finally:
            r.close()
            node.stop()
            redis.stop()


if __name__ == "__main__":
    main("Redis stream ingestion")
