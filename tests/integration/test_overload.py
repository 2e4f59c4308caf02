"""Overload on the fan-out path, against the real binary: a subscriber that stops reading
while a back-end publishes faster than it drains is closed with 4008 (slow consumer,
reconnect advised) once its queue passes websocket.max_outbound_buffer; what was queued for
it is dropped and counted in /metrics; the subscribers that keep up get every publication;
and the slow one, reconnecting with `recover`, gets exactly what it missed: nothing is
lost, nothing is silent (docs/protocol.md "Slow consumers and shutdown")."""
import asyncio
import http.client
import json
import re
import time
import unittest

from wshub_testlib import RawClient, Server, http_request, main, parse_close
import websockets

API_KEY = "overload-test-key"
PUBLICATIONS = 600
# 600 x 32 KB = 19 MB per subscriber: more than the kernel buffers of a connection that is
# not read (loopback autotuning: ~4 MB sent-not-acknowledged, ~6 MB received-not-read) and
# the 128 KiB queue limit together.
PAYLOAD = "x" * 32000
CHANNEL = "feed:load"
CONFIG = {
    "client": {"allow_anonymous": True},
    "api": {"key": API_KEY},
    # The cut client's kernel send buffer holds a few MB of what it was sent before the close
    # frame; it must be read before the server's close timeout for the 4008 to arrive.
    "websocket": {"max_outbound_buffer": "128KiB", "close_timeout": "30s"},
    "channels": {"subscribe": "anyone", "read_history": "anyone"},
    "namespaces": {"feed": {"subscribe": "anyone", "read_history": "anyone",
                            "history_size": PUBLICATIONS, "history_ttl": "5m"}},
}


def metrics(port):
    status, _, body = http_request(port, "GET", "/metrics")
    assert status == 200
    values = {}
    for line in body.decode().splitlines():
        m = re.match(r"^([a-z_]+) ([0-9.e+]+)$", line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values


def publish_all(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    offsets = []
    for n in range(1, PUBLICATIONS + 1):
        body = json.dumps({"channel": CHANNEL, "payload": {"n": n, "pad": PAYLOAD}})
        conn.request("POST", "/api/publish", body, {"Authorization": f"apikey {API_KEY}"})
        resp = conn.getresponse()
        answer = json.loads(resp.read())
        assert resp.status == 200, answer
        offsets.append(answer["offset"])
    conn.close()
    return offsets


class SlowSubscriber:
    """A raw /websocket client that subscribes, then stops reading."""

    def __init__(self, port):
        self.raw = RawClient.connect(port, path="/websocket")
        self.raw.send_frame(0x1, json.dumps({"type": "subscribe", "id": 1, "channel": CHANNEL}).encode())
        reply = json.loads(self.raw.recv_message(timeout=5)[1])
        assert reply["type"] == "subscribed", reply
        self.epoch = reply["epoch"]

    def drain(self, port, timeout=30):
        """Once the server has cut it: everything it was sent, then the close frame's code.
        It reads nothing before, and everything promptly after."""
        deadline = time.monotonic() + timeout
        while metrics(port).get("wshub_slow_consumer_disconnects_total", 0) < 1:
            if time.monotonic() > deadline:
                return [], None
            time.sleep(0.05)
        received = []
        for _fin, _rsv, opcode, payload in self.raw.frames_until_close(timeout=timeout):
            if opcode == 0x8:
                return received, parse_close(payload)[0]
            if opcode != 0x1:
                continue
            for msg in json.loads(payload) if payload.startswith(b"[") else [json.loads(payload)]:
                if "offset" in msg and msg.get("channel") == CHANNEL:
                    received.append(msg)
        return received, None


async def fast_subscriber(url, ready, done):
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "subscribe", "id": 1, "channel": CHANNEL}))
        while json.loads(await ws.recv()).get("type") != "subscribed":
            pass
        ready.set()
        got = []
        while len(got) < PUBLICATIONS:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if msg.get("channel") == CHANNEL:
                got.append(msg)
        done.append(got)


class SlowConsumerOverload(unittest.TestCase):
    def setUp(self):
        self.server = Server(CONFIG, workers=2).start()

    def tearDown(self):
        self.server.stop()

    def test_slow_subscriber_is_cut_counted_and_recovers_everything(self):
        port = self.server.port
        url = f"ws://127.0.0.1:{port}/websocket"
        slow = SlowSubscriber(port)
        before = metrics(port)

        async def go():
            ready = [asyncio.Event(), asyncio.Event()]
            done = []
            readers = [asyncio.ensure_future(fast_subscriber(url, r, done)) for r in ready]
            for r in ready:
                await asyncio.wait_for(r.wait(), 10)
            loop = asyncio.get_running_loop()
            slow_done = loop.run_in_executor(None, slow.drain, port)
            offsets = await loop.run_in_executor(None, publish_all, port)
            await asyncio.wait_for(asyncio.gather(*readers), 60)
            return offsets, done, await asyncio.wait_for(slow_done, 60)

        offsets, fast, (received, code) = asyncio.run(go())
        self.assertEqual(offsets, list(range(offsets[0], offsets[0] + PUBLICATIONS)))

        # The subscribers that kept up: every publication, in order.
        for got in fast:
            self.assertEqual([m["payload"]["n"] for m in got], list(range(1, PUBLICATIONS + 1)))

        # The slow one: what reached its socket before the cut, with no gap, then 4008.
        slow.raw.close()
        self.assertEqual(code, 4008)
        ns = [m["payload"]["n"] for m in received]
        self.assertEqual(ns, list(range(1, len(ns) + 1)))
        self.assertLess(len(ns), PUBLICATIONS, "the slow subscriber was never slow")

        # Counted: one slow-consumer close, its queued bytes dropped; deliveries to the two
        # fast ones all made.
        after = metrics(port)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        self.assertEqual(delta["wshub_slow_consumer_disconnects_total"], 1)
        self.assertGreater(delta["wshub_outbound_dropped_bytes_total"], 0)
        self.assertGreaterEqual(delta["wshub_deliveries_total"] + delta["wshub_deliveries_dropped_total"],
                                2 * PUBLICATIONS + len(ns))
        self.assertIn("slow consumer", self.server.output())

        # It reconnects and recovers exactly the rest, in order, once.
        last = received[-1]["offset"] if received else offsets[0] - 1

        async def recover():
            async with websockets.connect(url, max_size=None) as ws:
                await ws.send(json.dumps({"type": "subscribe", "id": 1, "channel": CHANNEL,
                                          "recover": {"offset": last, "epoch": slow.epoch}}))
                reply, rest = None, []
                while len(rest) < PUBLICATIONS - len(ns):
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if msg.get("type") == "subscribed":
                        reply = msg
                    elif msg.get("channel") == CHANNEL:
                        rest.append(msg)
                return reply, rest

        reply, rest = asyncio.run(recover())
        self.assertTrue(reply["recovered"], reply)
        self.assertEqual([m["payload"]["n"] for m in rest], list(range(len(ns) + 1, PUBLICATIONS + 1)))


if __name__ == "__main__":
    main("overload: slow consumers are cut, counted and recover")
