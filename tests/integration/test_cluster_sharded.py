"""Two real wshub nodes over three real redis-servers (broker.redis_address lists them;
docs/clustering.md, "Sharding"): channels spread over the shards, publish, history and
presence across nodes on every shard, and one shard stopped: exactly the channels placed on
it answer 503 (unavailable), the others keep working. The placement is recomputed here
from its documented definition (jump consistent hash over FNV-1a), so the test also pins it."""
import asyncio
import os
import unittest

import time

from test_cluster_redis import API_KEY, SECRET, Redis, WsClient, api, api_async, needs_redis, run
from wshub_testlib import Server, main

CHANNELS = [f"room-{i}" for i in range(24)]


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def shard_of(name: str, shards: int) -> int:
    """Jump consistent hash (Lamping & Veach 2014) of the name's FNV-1a 64 hash."""
    key, b, j = fnv1a64(name.encode()), -1, 0
    while j < shards:
        b = j
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def node_config(addresses, prefix):
    return {
        "api": {"key": API_KEY},
        "auth": {"hmac_secret": SECRET},
        "client": {"allow_anonymous": True},
        "channels": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone",
                     "read_history": "anyone", "presence": True, "history_size": 100, "history_ttl": "5m"},
        "broker": {"type": "redis", "redis_address": ",".join(addresses), "redis_prefix": prefix},
    }


@needs_redis
class ShardedCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = [Redis().start() for _ in range(3)]
        addresses = [f"127.0.0.1:{r.port}" for r in cls.redis]
        prefix = f"sharded{os.getpid()}"
        cls.nodes = []
        try:
            for _ in range(2):
                cls.nodes.append(Server(node_config(addresses, prefix), workers=2).start())
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.stop()
        for redis in cls.redis:
            redis.stop()

    def test_a_node_registry_on_the_first_shard_lists_both_nodes(self):
        # Registry and cluster-wide user counts live on shard 0 of every node's list.
        deadline = time.monotonic() + 10
        while True:
            bodies = [api(node.port, "info", {}) for node in self.nodes]
            if all(status == 200 and len(body["nodes"]) == 2 for status, body in bodies):
                break
            self.assertLess(time.monotonic(), deadline, bodies)
            time.sleep(0.1)
        self.assertEqual({n["id"] for n in bodies[0][1]["nodes"]}, {n["id"] for n in bodies[1][1]["nodes"]})

    def test_channels_on_every_shard_then_one_shard_down(self):
        a, b = self.nodes
        placement = {ch: shard_of(ch, 3) for ch in CHANNELS}
        self.assertEqual(set(placement.values()), {0, 1, 2})  # the channels cover every shard

        async def go():
            subscriber = await WsClient.connect(a, None)
            for ch in CHANNELS:
                await subscriber.subscribe(ch)
            for i, ch in enumerate(CHANNELS):
                status, body = await api_async(b.port, "publish", {"channel": ch, "payload": {"n": i}})
                self.assertEqual(status, 200, body)
            got = await subscriber.publications(len(CHANNELS))
            self.assertEqual(sorted((m["channel"], m["payload"]["n"]) for m in got),
                             sorted((ch, i) for i, ch in enumerate(CHANNELS)))
            for ch in CHANNELS:
                status, body = await api_async(a.port, "history", {"channel": ch})
                self.assertEqual((status, len(body["publications"])), (200, 1), body)
                status, body = await api_async(b.port, "presence_stats", {"channel": ch})
                self.assertEqual((status, body["num_clients"]), (200, 1), body)

            down = 2
            self.redis[down].stop()
            await asyncio.sleep(0.3)
            for ch in CHANNELS:
                status, body = await api_async(b.port, "publish", {"channel": ch, "payload": {"n": -1}})
                if placement[ch] == down:
                    self.assertEqual(status, 503, (ch, body))
                    self.assertEqual(body["error"]["code"], 113, body)
                else:
                    self.assertEqual(status, 200, (ch, body))
                    status, body = await api_async(a.port, "history", {"channel": ch})
                    self.assertEqual((status, len(body["publications"])), (200, 2), body)
            self.assertFalse(subscriber.closed.done())
            await subscriber.close()

        run(go())


if __name__ == "__main__":
    main("sharded Redis cluster")
