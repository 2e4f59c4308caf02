"""The upgrade handshake (RFC 6455 §4.2) and bad input before and around it: each gets
its HTTP status, and none disturbs a well-behaved client."""
import base64
import socket
import time
import unittest

from wshub_testlib import OP_BINARY, OP_TEXT, Closed, RawClient, ServerTestCase, build_frame, http_request, main, \
    parse_http_response, read_until_close

GOOD = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13"}


def raw_request(port, text, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(text if isinstance(text, bytes) else text.encode())
        return parse_http_response(read_until_close(s, timeout))
    finally:
        s.close()


class Handshake(ServerTestCase):
    """RFC 6455 4.2 upgrade rules, HTTP limits and timeouts, and hostile clients."""
    CONFIG = {"websocket": {"handshake_timeout": "1s", "allowed_origins": ["https://app.example.com"],
                            "subprotocols": ["wshub.json", "wshub.msgpack"]},
              "http": {"max_header_bytes": 4096, "max_headers": 32}}

    def upgrade(self, **overrides):
        headers = dict(GOOD)
        for k, v in overrides.items():
            k = k.replace("_", "-")
            if v is None:
                headers.pop(k, None)
            else:
                headers[k] = v
        status, h, _ = http_request(self.server.port, "GET", "/echo", headers=headers)
        return status, h

    def test_valid_upgrade_returns_the_accept_key(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        lines = ["GET /echo HTTP/1.1", "Host: x"] + [f"{k}: {v}" for k, v in GOOD.items()]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = s.recv(4096)
        s.close()
        status, h, _ = parse_http_response(data)
        self.assertEqual(status, 101)
        self.assertEqual(h["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_wrong_version_is_426_with_supported_version(self):
        status, h = self.upgrade(**{"Sec-WebSocket-Version": "8"})
        self.assertEqual(status, 426)
        self.assertEqual(h.get("sec-websocket-version"), "13")

    def test_bad_or_missing_key_is_400(self):
        for key in (None, "short", base64.b64encode(b"x" * 15).decode(), "!!!!notbase64!!!!!!!!!=="):
            with self.subTest(key=key):
                self.assertEqual(self.upgrade(**{"Sec-WebSocket-Key": key})[0], 400)

    def test_missing_upgrade_or_connection_token_is_400(self):
        self.assertEqual(self.upgrade(Upgrade=None)[0], 400)
        self.assertEqual(self.upgrade(Connection="keep-alive")[0], 400)

    def test_token_lists_are_case_insensitive(self):
        self.assertEqual(self.upgrade(Upgrade="WebSocket", Connection="keep-alive, UPGRADE")[0], 101)

    def test_post_is_405(self):
        status, h, _ = http_request(self.server.port, "POST", "/echo", headers=GOOD)
        self.assertEqual(status, 405)

    def test_origin_allow_list(self):
        self.assertEqual(self.upgrade(Origin="https://app.example.com")[0], 101)
        self.assertEqual(self.upgrade(Origin="https://evil.example.net")[0], 403)

    def test_subprotocol_in_server_preference_order(self):
        c = RawClient.connect(self.server.port, extra_headers={"Sec-WebSocket-Protocol": "chat, wshub.msgpack, wshub.json"})
        self.assertEqual(c.response_headers.get("sec-websocket-protocol"), "wshub.json")
        c.close()
        c = RawClient.connect(self.server.port, extra_headers={"Sec-WebSocket-Protocol": "chat"})
        self.assertNotIn("sec-websocket-protocol", c.response_headers)
        c.close()

    def test_oversized_headers_are_431(self):
        status, _, _ = raw_request(self.server.port, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "a" * 5000 + "\r\n\r\n")
        self.assertEqual(status, 431)
        many = "".join(f"X-H{i}: v\r\n" for i in range(40))
        status, _, _ = raw_request(self.server.port, "GET /echo HTTP/1.1\r\nHost: x\r\n" + many + "\r\n")
        self.assertEqual(status, 431)

    def test_unknown_path_is_404_and_healthz_200(self):
        self.assertEqual(http_request(self.server.port, "GET", "/nope")[0], 404)
        self.assertEqual(http_request(self.server.port, "GET", "/nope", headers=GOOD)[0], 404)
        self.assertEqual(http_request(self.server.port, "GET", "/healthz")[0], 200)

    def test_keep_alive_pipelined_requests(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_until_close(s, 5)
        s.close()
        self.assertEqual(data.count(b"HTTP/1.1 200"), 2)

    def test_garbage_bytes_get_400_and_close(self):
        status, _, _ = raw_request(self.server.port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        self.assertEqual(status, 400)

    def test_missing_host_is_400(self):
        s = "GET /echo HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in GOOD.items()) + "\r\n"
        self.assertEqual(raw_request(self.server.port, s)[0], 400)

    def test_missing_version_is_refused(self):
        # A missing header is a bad request (400); 426 would be defensible too (RFC 6455 4.2.2).
        self.assertIn(self.upgrade(**{"Sec-WebSocket-Version": None})[0], (400, 426))

    def test_http_1_0_upgrade_is_refused(self):
        s = "GET /echo HTTP/1.0\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in GOOD.items()) + "\r\n"
        status, _, _ = raw_request(self.server.port, s)
        self.assertNotEqual(status, 101)
        self.assertGreaterEqual(status, 400)

    def test_other_methods_are_405(self):
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            with self.subTest(method=method):
                self.assertEqual(http_request(self.server.port, method, "/echo", headers=GOOD)[0], 405)

    def test_idle_connection_is_cut_at_the_handshake_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        start = time.monotonic()
        try:
            read_until_close(s, 5)  # returns at EOF, or after 5 s
            elapsed = time.monotonic() - start
        finally:
            s.close()
        self.assertGreater(elapsed, 0.5)  # handshake_timeout = 1s, timer wheels may round
        self.assertLess(elapsed, 3.5)

    def test_slow_loris_one_byte_per_second_is_cut(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        start = time.monotonic()
        request = b"GET /echo HTTP/1.1\r\nHost: x\r\n"
        closed_at = None
        try:
            for i in range(6):  # 6 s at most
                try:
                    s.sendall(request[i:i + 1])
                    s.settimeout(1.0)
                    if s.recv(1) == b"":
                        closed_at = time.monotonic() - start
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_at = time.monotonic() - start
                    break
        finally:
            s.close()
        self.assertIsNotNone(closed_at, "a one-byte-per-second client was never cut")
        self.assertLess(closed_at, 3.5)

    def test_slow_loris_is_cut_at_the_handshake_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        start = time.monotonic()
        s.sendall(b"GET /echo HTTP/1.1\r\n")
        closed = False
        for _ in range(30):
            try:
                s.sendall(b"X")
                s.settimeout(0.2)
                if s.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
        elapsed = time.monotonic() - start
        s.close()
        self.assertTrue(closed, "slow-loris connection was never closed")
        self.assertLess(elapsed, 4)

    def test_frames_right_behind_the_upgrade_request(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        lines = ["GET /echo HTTP/1.1", "Host: x"] + [f"{k}: {v}" for k, v in GOOD.items()]
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + build_frame(OP_TEXT, "eager"))
        data = b""
        for _ in range(100):  # bounded: the socket timeout bounds each recv
            if b"\r\n\r\n" in data:
                break
            data += s.recv(4096)
        head, _, rest = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
        c = RawClient(s, rest)
        self.assertEqual(c.recv_message(), (OP_TEXT, b"eager"))
        c.close()

    def test_bad_and_slow_clients_do_not_stall_a_good_one(self):
        bad = []
        try:
            for i in range(200):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
                s.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"\x00\xff garbage")
                bad.append(s)
            c = RawClient.connect(self.server.port)
            worst = 0
            for i in range(200):
                t = time.monotonic()
                c.send_frame(OP_TEXT, f"m{i}")
                self.assertEqual(c.recv_message(), (OP_TEXT, f"m{i}".encode()))
                worst = max(worst, time.monotonic() - t)
            self.assertLess(worst, 1.0)
            c.close()
        finally:
            for s in bad:
                s.close()

    def test_garbage_after_the_upgrade_fails_1002(self):
        c = RawClient.connect(self.server.port)
        c.send(b"\xff" * 8 + b"GET / HTTP/1.1\r\n\r\n")
        try:
            self.assertIn(c.expect_close(), (1002, 1009))
        except Closed:
            pass  # dropping the connection without a close frame is acceptable for garbage
        c.close()

    def test_truncated_frames_then_disconnect_leave_the_server_healthy(self):
        frame = build_frame(OP_BINARY, b"z" * 1000)
        for cut in (1, 2, 5, 6, 100, len(frame) - 1):
            c = RawClient.connect(self.server.port)
            c.send(frame[:cut])
            c.close()  # mid-frame
        for cut in (1, 2, 6, 100):  # mid-frame, then half-close: the server must not wait forever
            c = RawClient.connect(self.server.port)
            c.send(frame[:cut])
            c.sock.shutdown(socket.SHUT_WR)
            self.assertTrue(c.expect_eof(timeout=5), f"server kept a half-closed connection cut at {cut}")
            c.close()
        good = RawClient.connect(self.server.port)
        good.send_frame(OP_TEXT, "still fine")
        self.assertEqual(good.recv_message(), (OP_TEXT, b"still fine"))
        good.close()

    def test_a_thousand_simultaneous_connections(self):
        clients = []
        try:
            for _ in range(1000):
                clients.append(RawClient.connect(self.server.port))
            for i, c in enumerate(clients):
                c.send_frame(OP_TEXT, str(i))
            for i, c in enumerate(clients):
                self.assertEqual(c.recv_message(), (OP_TEXT, str(i).encode()))
        finally:
            for c in clients:
                c.close()
        self.assertEqual(http_request(self.server.port, "GET", "/healthz")[0], 200)

    def test_a_thousand_connections_open_and_close(self):
        clients = [RawClient.connect(self.server.port) for _ in range(500)]
        for i, c in enumerate(clients):
            c.send_frame(OP_TEXT, str(i))
        for i, c in enumerate(clients):
            self.assertEqual(c.recv_message(), (OP_TEXT, str(i).encode()))
            c.close()
        for _ in range(500):
            RawClient.connect(self.server.port).close()
        self.assertEqual(http_request(self.server.port, "GET", "/healthz")[0], 200)


if __name__ == "__main__":
    main("Handshake")
