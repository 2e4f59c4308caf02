"""The wshub protocol on /websocket with real clients (python websockets): rooms with
presence and join/leave, recovery after a reconnect, ordering across workers, MessagePack,
and bad input that gets a clear error while the connection and everyone else carry on."""
import asyncio
import http.server
import json
import threading
import time
import unittest

import msgpack
import websockets

from wshub_testlib import Server, free_port, main, needs_own_server

PLAYGROUND = {
    "client": {"allow_anonymous": True},
    "channels": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone",
                 "read_history": "anyone", "presence": True, "join_leave": True,
                 "history_size": 100, "history_ttl": "5m"},
    "namespaces": {
        "chat": {"subscribe": "anyone", "publish": "anyone", "read_presence": "anyone", "read_history": "anyone",
                 "presence": True, "join_leave": True, "history_size": 1000, "history_ttl": "5m"},
        "small": {"subscribe": "anyone", "publish": "anyone", "read_history": "anyone", "history_size": 10},
        "quiet": {"subscribe": "anyone", "publish": "nobody"},
    },
}


class Client:
    """A JSON client of the wshub protocol: requests with ids, and a queue of pushes."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pending = {}
        self.pushes = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url, **kw):
        return cls(await websockets.connect(url, max_size=None, **kw))

    async def _read(self):
        try:
            async for raw in self.ws:
                batch = json.loads(raw) if isinstance(raw, str) else msgpack.unpackb(raw)
                for msg in batch if isinstance(batch, list) else [batch]:
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

    async def push(self, timeout=5, skip=("join", "leave")):
        while True:
            msg = await asyncio.wait_for(self.pushes.get(), timeout)
            if msg.get("type") not in skip:
                return msg

    async def pushes_of(self, n, timeout=10, skip=("join", "leave")):
        return [await self.push(timeout, skip) for _ in range(n)]

    async def no_push(self, wait=0.3, skip=("join", "leave")):
        try:
            msg = await self.push(wait, skip)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected push {msg}")

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


@needs_own_server
class Rooms(unittest.TestCase):
    """Two real clients chat in a room: subscribe, publish, receive, join/leave, presence."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(PLAYGROUND, workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def test_chat_in_a_room(self):
        async def go():
            alice, bob = await Client.connect(self.url), await Client.connect(self.url)
            ca = await alice.request({"type": "connect"})
            cb = await bob.request({"type": "connect"})
            self.assertEqual(ca["type"], "connected")
            self.assertNotEqual(ca["client"], cb["client"])
            self.assertEqual(ca["user"], "")
            sa = await alice.request({"type": "subscribe", "channel": "chat:lobby"})
            self.assertEqual((sa["type"], sa["channel"]), ("subscribed", "chat:lobby"))
            self.assertIn("epoch", sa)
            await bob.request({"type": "subscribe", "channel": "chat:lobby"})
            join = await alice.push(skip=())
            self.assertEqual((join["type"], join["channel"], join["client"]), ("join", "chat:lobby", cb["client"]))

            ack = await bob.request({"type": "publish", "channel": "chat:lobby", "message_type": "chat_message",
                                     "payload": {"text": "hi alice"}})
            self.assertEqual(ack["type"], "ack")
            self.assertEqual(ack["offset"], sa["offset"] + 1)
            for who in (alice, bob):
                msg = await who.push()
                self.assertEqual(msg["type"], "chat_message")
                self.assertEqual(msg["channel"], "chat:lobby")
                self.assertEqual(msg["payload"], {"text": "hi alice"})
                self.assertEqual(msg["offset"], ack["offset"])
                self.assertEqual(msg["from"]["client"], cb["client"])

            presence = await alice.request({"type": "presence", "channel": "chat:lobby"})
            self.assertEqual(sorted(c["client"] for c in presence["clients"]), sorted([ca["client"], cb["client"]]))
            stats = await alice.request({"type": "presence_stats", "channel": "chat:lobby"})
            self.assertEqual(stats["num_clients"], 2)

            history = await alice.request({"type": "history", "channel": "chat:lobby", "limit": 10})
            self.assertEqual([p["payload"] for p in history["publications"]], [{"text": "hi alice"}])
            self.assertEqual(history["offset"], ack["offset"])

            un = await bob.request({"type": "unsubscribe", "channel": "chat:lobby"})
            self.assertEqual(un["type"], "unsubscribed")
            leave = await alice.push(skip=("join",))
            self.assertEqual((leave["type"], leave["client"]), ("leave", cb["client"]))
            await bob.close()
            presence = await alice.request({"type": "presence", "channel": "chat:lobby"})
            self.assertEqual([c["client"] for c in presence["clients"]], [ca["client"]])
            await alice.close()
        run(go())

    def test_leave_on_disconnect_and_ping(self):
        async def go():
            a, b = await Client.connect(self.url), await Client.connect(self.url)
            pong = await a.request({"type": "ping"})
            self.assertEqual(pong["type"], "pong")
            await a.request({"type": "subscribe", "channel": "chat:bye"})
            cb = await b.request({"type": "subscribe", "channel": "chat:bye"})
            self.assertEqual(cb["type"], "subscribed")
            await a.push(skip=())  # b's join
            await b.ws.close()
            leave = await a.push(skip=("join",))
            self.assertEqual(leave["type"], "leave")
            presence = await a.request({"type": "presence", "channel": "chat:bye"})
            self.assertEqual(len(presence["clients"]), 1)
            await a.close()
        run(go())

    def test_batch_of_requests_in_one_frame(self):
        async def go():
            c = await Client.connect(self.url)
            await c.ws.send(json.dumps([{"type": "ping", "id": 1}, {"type": "subscribe", "id": 2, "channel": "batch"},
                                        {"type": "ping", "id": 3}]))
            replies = [await asyncio.wait_for(c.pushes.get(), 5) for _ in range(3)]
            # Each command gets its reply; a subscribe waits for the broker, so replies are
            # matched by id, not by position.
            self.assertEqual(sorted((r["id"], r["type"]) for r in replies), [(1, "pong"), (2, "subscribed"), (3, "pong")])
            self.assertEqual(replies[0]["id"], 1)
            await c.close()
        # Replies with ids go to `pending`; none are pending here, so they land in pushes.
        run(go())


@needs_own_server
class Recovery(unittest.TestCase):
    """A client that reconnects with its last offset and epoch gets exactly what it missed."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(PLAYGROUND, workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def test_recover_50_missed_then_live(self):
        async def go():
            publisher = await Client.connect(self.url)
            sub = await Client.connect(self.url)
            s = await sub.request({"type": "subscribe", "channel": "chat:recover"})
            await publisher.request({"type": "publish", "channel": "chat:recover", "payload": {"n": 0}})
            first = await sub.push()
            offset, epoch = first["offset"], s["epoch"]
            await sub.close()
            for n in range(1, 51):
                await publisher.request({"type": "publish", "channel": "chat:recover", "payload": {"n": n}})
            sub = await Client.connect(self.url)
            r = await sub.request({"type": "subscribe", "channel": "chat:recover",
                                   "recover": {"offset": offset, "epoch": epoch}})
            self.assertTrue(r["recovered"])
            self.assertEqual(r["epoch"], epoch)
            missed = await sub.pushes_of(50)
            self.assertEqual([m["payload"]["n"] for m in missed], list(range(1, 51)))
            self.assertEqual([m["offset"] for m in missed], list(range(offset + 1, offset + 51)))
            await publisher.request({"type": "publish", "channel": "chat:recover", "payload": {"n": 51}})
            live = await sub.push()
            self.assertEqual((live["payload"]["n"], live["offset"]), (51, offset + 51))
            await sub.no_push()
            await sub.close()
            await publisher.close()
        run(go())

    def test_too_old_offset_or_other_epoch_is_not_recovered(self):
        async def go():
            publisher = await Client.connect(self.url)
            for n in range(30):  # "small" keeps 10
                await publisher.request({"type": "publish", "channel": "small:old", "payload": {"n": n}})
            sub = await Client.connect(self.url)
            pos = await sub.request({"type": "subscribe", "channel": "small:old"})
            await sub.request({"type": "unsubscribe", "channel": "small:old"})
            r = await sub.request({"type": "subscribe", "channel": "small:old",
                                   "recover": {"offset": 5, "epoch": pos["epoch"]}})
            self.assertFalse(r["recovered"])
            self.assertEqual(r["offset"], 30)
            await sub.no_push()
            await sub.request({"type": "unsubscribe", "channel": "small:old"})
            r = await sub.request({"type": "subscribe", "channel": "small:old",
                                   "recover": {"offset": 29, "epoch": "not-the-epoch"}})
            self.assertFalse(r["recovered"])
            await sub.close()
            await publisher.close()
        run(go())

    def test_recover_while_publishing(self):
        """Publications racing with the recovery read: no gap, no duplicate."""
        async def go():
            pubs = [await Client.connect(self.url) for _ in range(3)]
            sub = await Client.connect(self.url)
            s = await sub.request({"type": "subscribe", "channel": "chat:race"})
            await sub.close()
            stop = asyncio.Event()

            async def publish_forever(p, k):
                n = 0
                while not stop.is_set() and n < 250:  # 3 x 250 stays inside chat's 1000 of history
                    await p.request({"type": "publish", "channel": "chat:race", "payload": {"p": k, "n": n}})
                    n += 1
            tasks = [asyncio.ensure_future(publish_forever(p, k)) for k, p in enumerate(pubs)]
            await asyncio.sleep(0.3)
            sub = await Client.connect(self.url)
            r = await sub.request({"type": "subscribe", "channel": "chat:race",
                                   "recover": {"offset": s["offset"], "epoch": s["epoch"]}})
            self.assertTrue(r["recovered"])
            await asyncio.sleep(0.3)
            stop.set()
            await asyncio.gather(*tasks)
            last = (await pubs[0].request({"type": "history", "channel": "chat:race", "limit": 0}))["offset"]
            got = []
            while not got or got[-1] < last:
                got.append((await sub.push())["offset"])
            self.assertEqual(got, list(range(s["offset"] + 1, last + 1)))
            for c in pubs + [sub]:
                await c.close()
        run(go())


@needs_own_server
class Ordering(unittest.TestCase):
    """Within a channel every subscriber sees offset order, with publishers on both workers."""

    def test_concurrent_publishers_on_two_workers(self):
        with Server(PLAYGROUND, workers=2) as server:
            url = server.url("/websocket")

            async def go():
                subs = [await Client.connect(url) for _ in range(6)]
                for s in subs:
                    await s.request({"type": "subscribe", "channel": "chat:order"})
                pubs = [await Client.connect(url) for _ in range(6)]
                per = 200

                async def burst(p, k):
                    for n in range(per):
                        await p.ws.send(json.dumps({"type": "publish", "channel": "chat:order",
                                                    "payload": {"p": k, "n": n}}))
                await asyncio.gather(*(burst(p, k) for k, p in enumerate(pubs)))
                total = per * len(pubs)
                for s in subs:
                    msgs = await s.pushes_of(total, timeout=20)
                    offsets = [m["offset"] for m in msgs]
                    self.assertEqual(offsets, list(range(offsets[0], offsets[0] + total)))
                    # Each publisher's own messages keep their order too.
                    for k in range(len(pubs)):
                        self.assertEqual([m["payload"]["n"] for m in msgs if m["payload"]["p"] == k], list(range(per)))
                for c in subs + pubs:
                    await c.close()
            run(go())
            clients = server.output()
            self.assertNotIn("queue full", clients)


@needs_own_server
class MessagePack(unittest.TestCase):
    """wshub.msgpack: same shapes in binary frames; JSON and MessagePack clients talk to each other."""

    def test_msgpack_and_json_clients_share_a_channel(self):
        with Server(PLAYGROUND, workers=1) as server:
            url = server.url("/websocket")

            async def go():
                mp = await websockets.connect(url, subprotocols=["wshub.msgpack"])
                self.assertEqual(mp.subprotocol, "wshub.msgpack")
                js = await Client.connect(url)
                await js.request({"type": "subscribe", "channel": "chat:mixed"})
                await mp.send(msgpack.packb({"type": "subscribe", "id": 1, "channel": "chat:mixed"}))
                reply = msgpack.unpackb(await mp.recv())
                self.assertEqual((reply["type"], reply["id"]), ("subscribed", 1))
                await mp.send(msgpack.packb({"type": "publish", "id": 2, "channel": "chat:mixed",
                                             "payload": {"bin": b"\x00\x01\xff", "n": 7, "f": 1.5}}))
                got = {}
                while "ack" not in got or "pub" not in got:
                    m = msgpack.unpackb(await asyncio.wait_for(mp.recv(), 5))
                    got["ack" if m["type"] == "ack" else "pub"] = m
                self.assertEqual(got["pub"]["payload"], {"bin": b"\x00\x01\xff", "n": 7, "f": 1.5})
                j = await js.push()
                self.assertEqual(j["payload"], {"bin": "AAH/", "n": 7, "f": 1.5})  # bin -> base64 for JSON
                await js.request({"type": "publish", "channel": "chat:mixed", "payload": {"text": "from json"}})
                m = msgpack.unpackb(await asyncio.wait_for(mp.recv(), 5))
                while m["type"] != "message":
                    m = msgpack.unpackb(await asyncio.wait_for(mp.recv(), 5))
                self.assertEqual(m["payload"], {"text": "from json"})
                await mp.close()
                await js.close()
            run(go())


@needs_own_server
class BadInput(unittest.TestCase):
    """Malformed and abusive requests get error replies; the connection and others carry on."""

    @classmethod
    def setUpClass(cls):
        # 10,000 subscribes from one connection in a second are what the message rate limit
        # refuses: it is off here so the subscription limit itself is what answers.
        cls.server = Server(dict(PLAYGROUND, client={"allow_anonymous": True, "max_subscriptions": 100,
                                                     "max_payload_size": 1024},
                                 limits={"message_rate": 0}), workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0, cls.server.output()

    def error_for(self, client, text):
        async def go():
            await client.ws.send(text)
            return await client.push()
        return go()

    def test_errors_keep_the_connection_open(self):
        async def go():
            bystander = await Client.connect(self.url)
            await bystander.request({"type": "subscribe", "channel": "chat:calm"})
            c = await Client.connect(self.url)
            cases = [
                ("{not json", 107), ("[]", None), ("42", 107), ('{"id":1}', 107), ('{"type":""}', 107),
                ('{"type":"subscribe","channel":"bad channel"}', 107), ('{"type":"subscribe"}', 107),
                ('{"type":"subscribe","channel":"nope:x"}', 102), ('{"type":"no_such_type","id":9}', 104),
                ('{"type":"publish","channel":"quiet:x","payload":1}', 103),
                ('{"type":"publish","channel":"chat:calm","payload":"' + "x" * 2000 + '"}', 106),
                ('{"type":"history","channel":"quiet:x"}', 108),
                ('{"type":"subscribe","channel":"chat:calm","id":"str"}', 107),
            ]
            for text, code in cases:
                await c.ws.send(text)
                if code is None:
                    continue
                err = await c.push()
                self.assertEqual((err["type"], err["code"]), ("error", code), text)
                self.assertTrue(err["message"])
            err = await c.request({"type": "no_such_type"})
            self.assertEqual(err["code"], 104)
            self.assertEqual((await c.request({"type": "ping"}))["type"], "pong")
            # The bystander saw nothing and still works.
            await bystander.no_push()
            self.assertEqual((await bystander.request({"type": "ping"}))["type"], "pong")
            await c.close()
            await bystander.close()
        run(go())

    def test_subscription_limit(self):
        async def go():
            c = await Client.connect(self.url)
            batch = [{"type": "subscribe", "id": i, "channel": f"many:{i}"} for i in range(1, 10001)]
            # 100 commands per frame at most: 100 frames of 100.
            for i in range(0, len(batch), 100):
                await c.ws.send(json.dumps([dict(m, channel=f"c{m['id']}") for m in batch[i:i + 100]]))
            codes = {}
            for _ in range(len(batch)):
                m = await asyncio.wait_for(c.pushes.get(), 20)
                codes[m.get("code", m["type"])] = codes.get(m.get("code", m["type"]), 0) + 1
            self.assertEqual(codes, {"subscribed": 100, 106: 9900})
            self.assertEqual((await c.request({"type": "ping"}))["type"], "pong")
            await c.close()
        run(go())

    def test_duplicate_subscribe_and_unknown_unsubscribe(self):
        async def go():
            c = await Client.connect(self.url)
            await c.request({"type": "subscribe", "channel": "dup"})
            self.assertEqual((await c.request({"type": "subscribe", "channel": "dup"}))["code"], 105)
            self.assertEqual((await c.request({"type": "unsubscribe", "channel": "never"}))["code"], 110)
            await c.close()
        run(go())


class Backend(http.server.ThreadingHTTPServer):
    """A back-end service that wshub routes typed messages to (keep-alive HTTP/1.1)."""
    request_queue_size = 128  # the default backlog of 5 would refuse wshub's pool
    daemon_threads = True

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.server.seen.append((body, self.headers.get("Content-Type")))
            kind = body["payload"].get("kind") if isinstance(body["payload"], dict) else None
            status, answer = 200, {"reply": {"echo": body["payload"], "user": body["user"], "type": body["type"]}}
            if kind == "publish":
                answer = {"reply": {"ok": True},
                          "publish": [{"channel": "chat:routed", "type": "routed", "payload": {"by": "backend"}}]}
            elif kind == "refuse":
                answer = {"error": {"code": 103, "message": "not your turn"}}
            elif kind == "crash":
                status, answer = 500, {"oops": True}
            elif kind == "slow":
                time.sleep(1.5)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # wshub gave up on a slow answer and closed the connection

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), Backend.Handler)
        self.seen = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


@needs_own_server
class RoutingByType(unittest.TestCase):
    """Application messages routed by type to an HTTP back-end, and the back-end's answers."""

    def test_routes(self):
        backend = Backend()
        config = dict(PLAYGROUND, routes={"ask": f"http://127.0.0.1:{backend.server_port}/rpc"},
                      backend={"timeout": "700ms"})
        try:
            with Server(config, workers=2) as server:
                url = server.url("/websocket")

                async def go():
                    c = await Client.connect(url)
                    hello = await c.request({"type": "connect"})
                    r = await c.request({"type": "ask", "payload": {"q": 1}})
                    self.assertEqual((r["type"], r["payload"]), ("reply", {"echo": {"q": 1}, "user": "", "type": "ask"}))
                    body, ctype = backend.seen[-1]
                    self.assertEqual(ctype, "application/json")
                    self.assertEqual(body["client"], hello["client"])
                    await c.request({"type": "subscribe", "channel": "chat:routed"})
                    r = await c.request({"type": "ask", "payload": {"kind": "publish"}})
                    self.assertEqual(r["payload"], {"ok": True})
                    routed = await c.push()
                    self.assertEqual((routed["type"], routed["payload"]), ("routed", {"by": "backend"}))
                    r = await c.request({"type": "ask", "payload": {"kind": "refuse"}})
                    self.assertEqual((r["type"], r["code"], r["message"]), ("error", 103, "not your turn"))
                    r = await c.request({"type": "ask", "payload": {"kind": "crash"}})
                    self.assertEqual((r["type"], r["code"]), ("error", 112))
                    r = await c.request({"type": "ask", "payload": {"kind": "slow"}})
                    self.assertEqual((r["type"], r["code"]), ("error", 112))
                    # Many at once share the pooled connections and all come back.
                    replies = await asyncio.gather(*(c.request({"type": "ask", "payload": {"n": n}}) for n in range(50)))
                    self.assertEqual([r for r in replies if r["type"] != "reply"], [])
                    self.assertEqual(sorted(r["payload"]["echo"]["n"] for r in replies), list(range(50)))
                    self.assertEqual((await c.request({"type": "unrouted"}))["code"], 104)
                    await c.close()
                run(go())
        finally:
            backend.shutdown()

    def test_unreachable_backend(self):
        config = dict(PLAYGROUND, routes={"ask": f"http://127.0.0.1:{free_port()}/rpc"})
        with Server(config, workers=1) as server:
            async def go():
                c = await Client.connect(server.url("/websocket"))
                r = await c.request({"type": "ask", "payload": 1})
                self.assertEqual((r["type"], r["code"]), ("error", 112))
                self.assertEqual((await c.request({"type": "ping"}))["type"], "pong")
                await c.close()
            run(go())


@needs_own_server
class Shutdown(unittest.TestCase):
    """SIGTERM closes protocol clients with 4500 (reconnect advised)."""

    def test_sigterm_closes_with_4500(self):
        server = Server(PLAYGROUND, workers=1).start()

        async def go():
            c = await websockets.connect(server.url("/websocket"))
            await c.send(json.dumps({"type": "ping", "id": 1}))
            await c.recv()
            server.proc.terminate()
            notice = json.loads(await asyncio.wait_for(c.recv(), 10))
            self.assertEqual(notice, {"type": "disconnect", "code": 4500, "reason": "server shutting down",
                                      "reconnect": True})
            with self.assertRaises(websockets.ConnectionClosed):
                await asyncio.wait_for(c.recv(), 10)
            return c.close_code, c.close_reason
        code, reason = run(go())
        self.assertEqual(code, 4500)
        self.assertEqual(reason, "server shutting down")
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    main("Messaging")
