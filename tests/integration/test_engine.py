"""The engine with independent clients: python websockets over ws:// and wss://, with
and without compression; heartbeat; slow consumers; graceful shutdown; the CLI."""
import asyncio
import os
import signal
import ssl
import subprocess
import tempfile
import time
import unittest

import websockets

from wshub_testlib import (OP_PING, OP_TEXT, WSHUB_BIN, Closed, RawClient, Server, build_frame, http_request,
                           make_cert)


def client_ssl(cert):
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    return ctx


async def echo_session(url, count=100, **kw):
    async with websockets.connect(url, max_size=None, **kw) as ws:
        for i in range(count):
            msg = f"message {i} " * (i % 50) if i % 2 else os.urandom(i * 37)
            await ws.send(msg)
            assert await ws.recv() == msg
        big = "B" * (8 << 20)
        await ws.send(big)
        assert await ws.recv() == big
        return ws.extensions


class EchoWithRealClients(unittest.TestCase):
    def test_plain_and_tls_with_and_without_compression(self):
        tmp = tempfile.mkdtemp()
        cert, key = make_cert(tmp)
        with Server() as plain, Server(tls=(cert, key)) as secure:
            ext = asyncio.run(echo_session(plain.url()))
            self.assertTrue(any("deflate" in type(e).__name__.lower() for e in ext), ext)
            self.assertEqual(asyncio.run(echo_session(plain.url(), compression=None)), [])
            asyncio.run(echo_session(secure.url(), ssl=client_ssl(cert)))
            asyncio.run(echo_session(secure.url(), ssl=client_ssl(cert), compression=None))
            status, _, _ = http_request(secure.port, "GET", "/healthz", tls=True)
            self.assertEqual(status, 200)

    def test_many_concurrent_clients_on_several_workers(self):
        async def run(url):
            await asyncio.gather(*(echo_session(url, count=20) for _ in range(50)))
        with Server(workers=2) as s:
            asyncio.run(run(s.url()))

    def test_tls_client_speaking_plain_http_is_dropped_cleanly(self):
        tmp = tempfile.mkdtemp()
        cert, key = make_cert(tmp)
        with Server(tls=(cert, key)) as s:
            with self.assertRaises(Exception):
                http_request(s.port, "GET", "/healthz", tls=False, timeout=2)
            self.assertEqual(http_request(s.port, "GET", "/healthz", tls=True)[0], 200)


class Heartbeat(unittest.TestCase):
    CONFIG = {"websocket": {"ping_interval": "300ms", "pong_timeout": "300ms"}}

    def test_silent_client_is_pinged_then_closed(self):
        with Server(self.CONFIG) as s:
            c = RawClient.connect(s.port)
            start = time.monotonic()
            fin, rsv, op, payload = c.recv_frame(timeout=3)
            self.assertEqual(op, OP_PING)
            # We never answer: the server gives up after pong_timeout.
            self.assertEqual(c.expect_close(timeout=3), 1001)
            self.assertTrue(c.expect_eof(timeout=8))
            self.assertLess(time.monotonic() - start, 8)
            c.close()

    def test_client_that_answers_pings_stays(self):
        async def run(url):
            async with websockets.connect(url) as ws:  # websockets answers pings itself
                await asyncio.sleep(2)
                await ws.send("still here")
                return await ws.recv()
        with Server(self.CONFIG) as s:
            self.assertEqual(asyncio.run(run(s.url())), "still here")


class SlowConsumer(unittest.TestCase):
    CONFIG = {"websocket": {"max_outbound_buffer": 65536, "ping_interval": "60s"}}

    def test_reader_that_never_reads_is_closed_and_others_are_fine(self):
        with Server(self.CONFIG) as s:
            slow = RawClient.connect(s.port)
            slow.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
            payload = b"x" * 60000
            frame = build_frame(2, payload)
            # Ask for ~200 MiB of echoes without ever reading them.
            sent = 0
            slow.sock.settimeout(0.5)
            deadline = time.monotonic() + 20
            dropped = False
            while time.monotonic() < deadline and sent < 4000:
                try:
                    slow.sock.sendall(frame)
                    sent += 1
                except (OSError, TimeoutError):
                    dropped = True  # the server stopped reading us or closed
                    break
            good = RawClient.connect(s.port)
            good.send_frame(OP_TEXT, "hello")
            self.assertEqual(good.recv_message(), (OP_TEXT, b"hello"))
            # Now read the slow one: echoes, then close 1008 "slow consumer".
            code = slow.expect_close(timeout=20)
            self.assertEqual(code, 1008)
            slow.close()
            good.close()
            self.assertIn(s.stop(), (0,))


class Shutdown(unittest.TestCase):
    def test_sigterm_closes_every_client_with_1001_and_exits_0(self):
        s = Server({"server": {"shutdown_timeout": "5s"}}).start()
        clients = [RawClient.connect(s.port) for _ in range(20)]
        for c in clients:
            c.send_frame(OP_TEXT, "hi")
            c.recv_message()
        s.proc.send_signal(signal.SIGTERM)
        codes = []
        for c in clients:
            codes.append(c.expect_close(timeout=5))
            c.send_frame(8, b"\x03\xe9")  # answer the close
            c.close()
        self.assertEqual(codes, [1001] * 20)
        self.assertEqual(s.proc.wait(10), 0)
        s.log.close()

    def test_shutdown_deadline_with_unresponsive_clients(self):
        s = Server({"server": {"shutdown_timeout": "1s"}, "websocket": {"close_timeout": "30s"}}).start()
        c = RawClient.connect(s.port)
        start = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        self.assertEqual(s.proc.wait(10), 0)  # we never answered the close frame
        self.assertLess(time.monotonic() - start, 5)
        c.close()
        s.log.close()


class CommandLine(unittest.TestCase):
    def run_wshub(self, *args, env=None):
        return subprocess.run([WSHUB_BIN, *args], capture_output=True, text=True, timeout=10, env=env)

    def test_help_and_version(self):
        r = self.run_wshub("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ("--config", "--dev", "--listen", "--workers", "--version"):
            self.assertIn(flag, r.stdout)
        r = self.run_wshub("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"wshub \d+\.\d+\.\d+")

    def test_unknown_key_names_the_key_and_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("[server]\nworkers = 1\n\n[websocket]\nmax_mesage_size = 10\n")
        r = self.run_wshub("--config", f.name)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("max_mesage_size", r.stderr)
        self.assertIn(":5", r.stderr)

    def test_port_in_use_is_a_clean_startup_error(self):
        with Server() as s:
            # Without the probe, SO_REUSEPORT would let this second server share the port.
            r = self.run_wshub("--dev", "--listen", f"127.0.0.1:{s.port}")
            self.assertEqual(r.returncode, 1)
            self.assertIn("in use", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
