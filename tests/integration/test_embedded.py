"""examples/embedded_chat: wshub embedded in an application's own process, with JWT users,
C++ type handlers, a user-addressed message on all of a user's connections (spread over
both workers), publishing from a handler, and an answer given later from another thread."""
import asyncio
import json
import os
import signal
import subprocess
import time
import unittest

import websockets

from wshub_testlib import hs256_token, free_port, main, needs_own_server

EXAMPLES = os.environ.get("WSHUB_EXAMPLES_DIR", os.path.join(os.path.dirname(__file__), "../../build/examples"))
SECRET = "embedded-chat-test-secret-of-32-bytes!"


def token_for(user):
    return hs256_token({"sub": user, "exp": int(time.time()) + 3600}, SECRET)


async def connect(url, user):
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "connect", "id": 1, "token": token_for(user)}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert reply["type"] == "connected" and reply["user"] == user, reply
    return ws


async def recv_type(ws, wanted, timeout=5):
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg["type"] == wanted:
            return msg


@needs_own_server
class EmbeddedChat(unittest.TestCase):
    """The embedding example: build/examples/embedded_chat."""

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        env = dict(os.environ, CHAT_JWT_SECRET=SECRET)
        cls.proc = subprocess.Popen([os.path.join(EXAMPLES, "embedded_chat"), str(cls.port)], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = cls.proc.stdout.readline().decode()
        assert "listening" in line, line
        cls.url = f"ws://127.0.0.1:{cls.port}/websocket"

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        assert cls.proc.wait(15) == 0

    def test_user_addressed_message_reaches_all_three_connections(self):
        async def go():
            tabs = [await connect(self.url, "42") for _ in range(3)]
            other = await connect(self.url, "7")
            await other.send(json.dumps({"type": "dm", "id": 2, "payload": {"to": "42", "text": "psst"}}))
            reply = await recv_type(other, "reply")
            self.assertEqual((reply["id"], reply["payload"]), (2, {"sent": True}))
            for ws in tabs:
                dm = await recv_type(ws, "dm")
                self.assertEqual(dm["payload"], {"from": "7", "text": "psst"})
                self.assertNotIn("channel", dm)
            with self.assertRaises(asyncio.TimeoutError):
                await recv_type(other, "dm", timeout=0.3)
            for ws in tabs + [other]:
                await ws.close()
        asyncio.run(go())

    def test_handler_publishes_and_answers_later(self):
        async def go():
            a, b = await connect(self.url, "alice"), await connect(self.url, "bob")
            for ws in (a, b):
                await ws.send(json.dumps({"type": "subscribe", "id": 5, "channel": "chat:lobby"}))
                self.assertEqual((await recv_type(ws, "subscribed"))["channel"], "chat:lobby")
            await a.send(json.dumps({"type": "shout", "id": 6, "payload": {"text": "hi all"}}))
            for ws in (a, b):
                shout = await recv_type(ws, "shout")
                self.assertEqual(shout["payload"], {"user": "alice", "text": "hi all"})
            await b.send(json.dumps({"type": "who", "id": 7}))
            who = await recv_type(b, "reply")
            self.assertEqual(sorted(who["payload"]["users"]), ["alice", "bob"])
            await b.send(json.dumps({"type": "shout", "id": 8, "payload": {}}))
            err = await recv_type(b, "error")
            self.assertEqual((err["id"], err["code"]), (8, 107))
            for ws in (a, b):
                await ws.close()
        asyncio.run(go())

    def test_anonymous_and_bad_tokens_are_refused(self):
        async def go():
            ws = await websockets.connect(self.url)
            await ws.send(json.dumps({"type": "subscribe", "id": 1, "channel": "chat:lobby"}))
            self.assertEqual(json.loads(await ws.recv())["code"], 114)  # not connected
            await ws.send(json.dumps({"type": "connect", "id": 2, "token": token_for("x")[:-3] + "abc"}))
            self.assertEqual(json.loads(await ws.recv())["code"], 101)
            notice = json.loads(await ws.recv())
            self.assertEqual((notice["type"], notice["code"], notice["reconnect"]), ("disconnect", 4001, False))
            with self.assertRaises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            self.assertEqual(ws.close_code, 4001)
        asyncio.run(go())


if __name__ == "__main__":
    main("Embedded")
