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

from wshub_testlib import (OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, WSHUB_BIN, Closed, RawClient, Server, build_frame,
                           free_port, http_request, main, make_cert, needs_own_server)


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


@needs_own_server
class EchoWithRealClients(unittest.TestCase):
    """python websockets as an independent client: ws:// and wss://, deflate on and off."""
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


@needs_own_server
class Negotiation(unittest.TestCase):
    """Subprotocols and the origin allow-list, seen by python websockets."""
    CONFIG = {"websocket": {"subprotocols": ["wshub.json", "wshub.msgpack"],
                            "allowed_origins": ["https://app.example.com"]}}

    def test_subprotocol_chosen_by_server_preference(self):
        async def run(url):
            async with websockets.connect(url, subprotocols=["wshub.msgpack", "wshub.json"],
                                          origin="https://app.example.com") as ws:
                await ws.send("with protocol")
                return ws.subprotocol, await ws.recv()
        with Server(self.CONFIG) as s:
            self.assertEqual(asyncio.run(run(s.url())), ("wshub.json", "with protocol"))

    def test_no_common_subprotocol_still_connects_without_one(self):
        async def run(url):
            async with websockets.connect(url, origin="https://app.example.com") as ws:
                return ws.subprotocol
        with Server(self.CONFIG) as s:
            self.assertIsNone(asyncio.run(run(s.url())))

    def test_foreign_origin_is_rejected_with_403(self):
        async def run(url):
            async with websockets.connect(url, origin="https://evil.example.net"):
                pass
        with Server(self.CONFIG) as s:
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as e:
                asyncio.run(run(s.url()))
            self.assertEqual(e.exception.status_code, 403)


@needs_own_server
class Heartbeat(unittest.TestCase):
    """ping_interval / pong_timeout: silent clients are pinged, then dropped if they stay silent."""
    CONFIG = {"websocket": {"ping_interval": "300ms", "pong_timeout": "300ms"}}

    def test_silent_client_is_pinged_then_closed(self):
        with Server(self.CONFIG) as s:
            c = RawClient.connect(s.port)
            start = time.monotonic()
            fin, rsv, op, payload = c.recv_frame(timeout=3)
            self.assertEqual(op, OP_PING)
            pinged = time.monotonic() - start
            self.assertGreater(pinged, 0.2)  # not before ping_interval (300ms) of silence
            # We never answer: the server gives up after pong_timeout. The contract names no
            # close code for this, so a close frame with any code or a bare TCP close will do.
            try:
                frames = c.frames_until_close(timeout=3)
                self.assertEqual(frames[-1][2], OP_CLOSE)
            except Closed:
                pass
            self.assertTrue(c.expect_eof(timeout=5))
            gone = time.monotonic() - start
            self.assertGreater(gone - pinged, 0.2)  # pong_timeout (300ms) after the ping
            self.assertLess(gone, 3)  # ping_interval + pong_timeout + slack
            c.close()

    def test_raw_client_that_answers_pings_stays_for_several_rounds(self):
        with Server(self.CONFIG) as s:
            c = RawClient.connect(s.port)
            pings = 0
            deadline = time.monotonic() + 2.5  # four times ping_interval + pong_timeout
            while time.monotonic() < deadline:
                try:
                    fin, rsv, op, payload = c.recv_frame(timeout=max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
                self.assertEqual(op, OP_PING, "server closed a client that answers pings")
                pings += 1
                c.send_frame(OP_PONG, payload)
            self.assertGreaterEqual(pings, 2)
            c.send_frame(OP_TEXT, "alive")
            self.assertEqual(c.recv_message(), (OP_TEXT, b"alive"))
            c.close()

    def test_client_sending_data_is_not_pinged_off(self):
        with Server(self.CONFIG) as s:
            c = RawClient.connect(s.port)
            start = time.monotonic()
            while time.monotonic() - start < 2:
                c.send_frame(OP_TEXT, "busy")
                self.assertEqual(c.recv_message(), (OP_TEXT, b"busy"))  # pongs skipped, pings tolerated
                time.sleep(0.05)
            c.close()

    def test_client_that_answers_pings_stays(self):
        async def run(url):
            async with websockets.connect(url) as ws:  # websockets answers pings itself
                await asyncio.sleep(2)
                await ws.send("still here")
                return await ws.recv()
        with Server(self.CONFIG) as s:
            self.assertEqual(asyncio.run(run(s.url())), "still here")


@needs_own_server
class SlowConsumer(unittest.TestCase):
    """max_outbound_buffer: a client that does not read is closed with 1008, others go on."""
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
            code, reason = slow.expect_close_frame(timeout=20)
            self.assertEqual((code, reason), (1008, b"slow consumer"))
            slow.close()
            good.close()
            self.assertIn(s.stop(), (0,))


@needs_own_server
class Shutdown(unittest.TestCase):
    """SIGTERM: every connection gets 1001, the process exits 0 within shutdown_timeout."""
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


@needs_own_server
class CommandLine(unittest.TestCase):
    """--help, --version, --dev/--listen/--workers, configuration errors."""
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

    def test_dev_with_listen_and_workers_serves_echo(self):
        port = free_port()
        proc = subprocess.Popen([WSHUB_BIN, "--dev", "--listen", f"127.0.0.1:{port}", "--workers", "3"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                self.assertIsNone(proc.poll(), "wshub --dev exited")
                try:
                    if http_request(port, "GET", "/healthz", timeout=1)[0] == 200:
                        break
                except OSError:
                    pass
                self.assertLess(time.monotonic(), deadline, "wshub --dev never became ready")
                time.sleep(0.05)
            c = RawClient.connect(port)
            c.send_frame(OP_TEXT, "dev")
            self.assertEqual(c.recv_message(), (OP_TEXT, b"dev"))
            c.close()
        finally:
            proc.terminate()
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(5)
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
        self.assertEqual(code, 0, err)

    def test_invalid_values_are_refused(self):
        for body, word in (('[websocket]\nhandshake_timeout = "soon"\n', "handshake_timeout"),
                           ('[server]\nworkers = -1\n', "workers"),
                           ('[server]\nlisten = "127.0.0.1:99999"\n', "listen"),
                           ('[websocket\n', "")):
            with self.subTest(body=body):
                with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
                    f.write(body)
                r = self.run_wshub("--config", f.name)
                os.unlink(f.name)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(word, r.stderr)

    def test_unknown_flag_is_an_error(self):
        r = self.run_wshub("--no-such-flag")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--no-such-flag", r.stderr)

    def test_port_in_use_is_a_clean_startup_error(self):
        with Server() as s:
            # Without the probe, SO_REUSEPORT would let this second server share the port.
            r = self.run_wshub("--dev", "--listen", f"127.0.0.1:{s.port}")
            self.assertEqual(r.returncode, 1)
            self.assertIn("in use", r.stdout + r.stderr)


if __name__ == "__main__":
    main("Engine")
