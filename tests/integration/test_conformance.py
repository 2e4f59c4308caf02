"""RFC 6455 / RFC 7692 conformance of /echo, one case per test, grouped like the
sections of the Autobahn|Testsuite (which cannot be installed here: it needs PyPI)."""
import asyncio
import os
import struct
import unittest
import zlib

import websockets

from wshub_testlib import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Closed, RawClient,
                           ServerTestCase, build_frame, close_payload)


class Framing(ServerTestCase):
    """Autobahn 1.x: text and binary messages of every length class."""

    def echo(self, opcode, payload, chop=None):
        c = self.raw()
        try:
            frame = build_frame(opcode, payload)
            if chop:
                for i in range(0, len(frame), chop):
                    c.send(frame[i:i + chop])
            else:
                c.send(frame)
            op, got = c.recv_message(timeout=30)
            self.assertEqual(op, opcode)
            self.assertEqual(len(got), len(payload))
            self.assertEqual(got, payload)
        finally:
            c.close()

    def test_1_1_text_lengths(self):
        for n in (0, 125, 126, 127, 128, 65535, 65536):
            with self.subTest(n=n):
                self.echo(OP_TEXT, b"*" * n)

    def test_1_2_binary_lengths(self):
        for n in (0, 125, 126, 127, 128, 65535, 65536):
            with self.subTest(n=n):
                self.echo(OP_BINARY, bytes(range(256)) * (n // 256) + bytes(n % 256))

    def test_1_1_8_chopped_into_small_writes(self):
        self.echo(OP_TEXT, b"x" * 65536, chop=997)

    def test_9_16_mib_text_and_binary(self):
        self.echo(OP_TEXT, b"a" * (16 << 20))
        self.echo(OP_BINARY, os.urandom(1 << 20) * 16)

    def test_9_many_small_messages_in_one_write(self):
        c = self.raw()
        c.send(b"".join(build_frame(OP_TEXT, f"m{i}") for i in range(1000)))
        for i in range(1000):
            self.assertEqual(c.recv_message(), (OP_TEXT, f"m{i}".encode()))
        c.close()

    def test_byte_by_byte(self):
        c = self.raw()
        for b in build_frame(OP_TEXT, "slow"):
            c.send(bytes([b]))
        self.assertEqual(c.recv_message(), (OP_TEXT, b"slow"))
        c.close()

    def test_non_minimal_length_encoding_is_accepted(self):
        c = self.raw()
        frame = build_frame(OP_TEXT, b"abc", mask=False)
        # 16-bit length field for a 3-byte payload, masked.
        c.send(bytes([0x81, 0x80 | 126, 0, 3]) + b"\0\0\0\0" + b"abc")
        self.assertEqual(c.recv_message(), (OP_TEXT, b"abc"))
        c.close()


class PingsAndPongs(ServerTestCase):
    """Autobahn 2.x."""

    def test_2_1_ping_without_payload(self):
        c = self.raw()
        c.send_frame(OP_PING, b"")
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b""))
        c.close()

    def test_2_4_ping_with_125_byte_binary_payload(self):
        c = self.raw()
        p = bytes(range(125))
        c.send_frame(OP_PING, p)
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, p))
        c.close()

    def test_2_5_ping_with_126_bytes_is_a_protocol_error(self):
        c = self.raw()
        c.send_frame(OP_PING, b"x" * 126)
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_2_6_ping_chopped(self):
        c = self.raw()
        f = build_frame(OP_PING, b"chopped-ping")
        for b in f:
            c.send(bytes([b]))
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"chopped-ping"))
        c.close()

    def test_2_7_unsolicited_pong_is_ignored(self):
        c = self.raw()
        c.send_frame(OP_PONG, b"unsolicited")
        c.send_frame(OP_TEXT, "after")
        self.assertEqual(c.recv_message(), (OP_TEXT, b"after"))
        c.close()

    def test_2_10_ten_pings_ten_pongs_in_order(self):
        c = self.raw()
        c.send(b"".join(build_frame(OP_PING, f"p{i}") for i in range(10)))
        for i in range(10):
            self.assertEqual(c.recv_frame()[2:], (OP_PONG, f"p{i}".encode()))
        c.close()

    def test_fragmented_ping_is_a_protocol_error(self):
        c = self.raw()
        c.send_frame(OP_PING, b"a", fin=False)
        self.assertEqual(c.expect_close(), 1002)
        c.close()


class ReservedBitsAndOpcodes(ServerTestCase):
    """Autobahn 3.x and 4.x (deflate not negotiated by the raw client)."""

    def test_3_rsv_bits_fail_after_prior_valid_message(self):
        for rsv in range(1, 8):
            with self.subTest(rsv=rsv):
                c = self.raw()
                c.send_frame(OP_TEXT, "ok")
                c.send_frame(OP_TEXT, "bad", rsv=rsv)
                self.assertEqual(c.recv_message(), (OP_TEXT, b"ok"))
                self.assertEqual(c.expect_close(), 1002)
                self.assertTrue(c.expect_eof())
                c.close()

    def test_3_rsv_on_control_frame(self):
        c = self.raw()
        c.send_frame(OP_PING, b"", rsv=4)
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_4_reserved_opcodes(self):
        for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
            with self.subTest(opcode=op):
                c = self.raw()
                c.send_frame(OP_TEXT, "ok")
                c.send_frame(op, b"x")
                self.assertEqual(c.recv_message(), (OP_TEXT, b"ok"))
                self.assertEqual(c.expect_close(), 1002)
                c.close()

    def test_unmasked_client_frame(self):
        c = self.raw()
        c.send_frame(OP_TEXT, "naked", mask=False)
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_length_with_top_bit_set(self):
        c = self.raw()
        c.send(bytes([0x82, 0x80 | 127]) + struct.pack("!Q", 1 << 63) + b"\0\0\0\0")
        self.assertEqual(c.expect_close(), 1002)
        c.close()


class Fragmentation(ServerTestCase):
    """Autobahn 5.x."""

    def test_5_3_two_fragments(self):
        c = self.raw()
        c.send_frame(OP_TEXT, "frag", fin=False)
        c.send_frame(OP_CONT, "ment")
        self.assertEqual(c.recv_message(), (OP_TEXT, b"fragment"))
        c.close()

    def test_5_6_ping_between_fragments(self):
        c = self.raw()
        c.send_frame(OP_TEXT, "a", fin=False)
        c.send_frame(OP_PING, "in-between")
        c.send_frame(OP_PONG, "ignored")
        c.send_frame(OP_CONT, "b")
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"in-between"))
        self.assertEqual(c.recv_message(), (OP_TEXT, b"ab"))
        c.close()

    def test_5_65536_fragments(self):
        c = self.raw()
        frames = [build_frame(OP_BINARY, b"x", fin=False)]
        frames += [build_frame(OP_CONT, b"x", fin=False)] * 65534
        frames.append(build_frame(OP_CONT, b"x"))
        c.send(b"".join(frames))
        self.assertEqual(c.recv_message(timeout=30), (OP_BINARY, b"x" * 65536))
        c.close()

    def test_5_1_continuation_without_start(self):
        c = self.raw()
        c.send_frame(OP_CONT, "orphan")
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_5_new_message_while_fragmented(self):
        c = self.raw()
        c.send_frame(OP_TEXT, "a", fin=False)
        c.send_frame(OP_TEXT, "b")
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_5_fragmented_close(self):
        c = self.raw()
        c.send_frame(OP_CLOSE, close_payload(1000), fin=False)
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_5_20_fragments_chopped_with_pings(self):
        c = self.raw()
        data = b"".join([build_frame(OP_TEXT, "one", fin=False), build_frame(OP_PING, "p"),
                         build_frame(OP_CONT, "two", fin=False), build_frame(OP_PING, "q"),
                         build_frame(OP_CONT, "three")])
        for i in range(0, len(data), 3):
            c.send(data[i:i + 3])
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"p"))
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"q"))
        self.assertEqual(c.recv_message(), (OP_TEXT, b"onetwothree"))
        c.close()


# Markus Kuhn's stress cases as used by Autobahn 6.x.
VALID_UTF8 = [
    "κόσμε", "\u0080", "\u0800", "\U00010000", "\u007f", "\u07ff", "\uffff", "\U0010ffff", "\ud7ff",
    "\ue000", "\ufffd", "Hello-µ@ßöäüàá-UTF-8!!", "\u00a0\u1680\u2000\u3000",
]
INVALID_UTF8 = [
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64",  # 6.4.x surrogate
    b"\x80", b"\xbf", b"\x80\xbf\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",  # continuation, overlong
    b"\xf8\x88\x80\x80\xaf", b"\xfc\x84\x80\x80\x80\xaf", b"\xc1\xbf", b"\xe0\x9f\xbf",
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\x80\xed\xb0\x80",  # surrogates
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xfe", b"\xff", b"\xfe\xfe\xff\xff",  # > U+10FFFF, invalid bytes
    b"\xc2", b"\xe0\xa0", b"\xf0\x90\x80",  # truncated at the end
    b"\xc2\x41", b"\xe0\xa0\x41",
]


class Utf8(ServerTestCase):
    """Autobahn 6.x."""

    def test_6_valid_texts_are_echoed(self):
        c = self.raw()
        for s in VALID_UTF8:
            c.send_frame(OP_TEXT, s)
            self.assertEqual(c.recv_message(), (OP_TEXT, s.encode()))
        c.close()

    def test_6_valid_texts_fragmented_per_byte(self):
        c = self.raw()
        for s in VALID_UTF8:
            b = s.encode()
            for i in range(len(b)):
                c.send_frame(OP_TEXT if i == 0 else OP_CONT, b[i:i + 1], fin=(i == len(b) - 1))
            self.assertEqual(c.recv_message(), (OP_TEXT, b))
        c.close()

    def test_6_invalid_texts_close_1007(self):
        for b in INVALID_UTF8:
            with self.subTest(payload=b):
                c = self.raw()
                c.send_frame(OP_TEXT, b)
                self.assertEqual(c.expect_close(), 1007)
                c.close()

    def test_6_invalid_texts_split_into_fragments(self):
        for b in INVALID_UTF8:
            if len(b) < 2:
                continue
            with self.subTest(payload=b):
                c = self.raw()
                c.send_frame(OP_TEXT, b[:1], fin=False)
                c.send_frame(OP_CONT, b[1:])
                self.assertEqual(c.expect_close(), 1007)
                c.close()

    def test_6_fail_fast_inside_a_fragment(self):
        # The invalid byte arrives in the first fragment: the server must close
        # before the message is finished.
        c = self.raw()
        c.send_frame(OP_TEXT, "valid start \xff".encode("latin-1"), fin=False)
        self.assertEqual(c.expect_close(), 1007)
        c.close()

    def test_6_fail_fast_inside_a_frame(self):
        # First half of a frame whose payload is invalid early: no need to wait for the rest.
        c = self.raw()
        frame = build_frame(OP_TEXT, b"\xed\xa0\x80" + b"a" * 1000)
        c.send(frame[:20])
        self.assertEqual(c.expect_close(), 1007)
        c.close()


class Closing(ServerTestCase):
    """Autobahn 7.x."""

    def close_with(self, payload):
        c = self.raw()
        c.send_frame(OP_CLOSE, payload)
        try:
            return c.expect_close()
        finally:
            self.assertTrue(c.expect_eof(), "server must close TCP after the close handshake")
            c.close()

    def test_7_1_empty_close_is_answered(self):
        self.assertEqual(self.close_with(b""), 1005)

    def test_7_close_with_reason(self):
        self.assertEqual(self.close_with(close_payload(1000, "bye")), 1000)

    def test_7_3_one_byte_close_payload(self):
        self.assertEqual(self.close_with(b"\x03"), 1002)

    def test_7_3_125_byte_reason(self):
        self.assertEqual(self.close_with(close_payload(1000, "r" * 123)), 1000)

    def test_7_5_invalid_utf8_reason(self):
        self.assertEqual(self.close_with(close_payload(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80")), 1007)

    def test_7_7_valid_codes_are_echoed(self):
        for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
            with self.subTest(code=code):
                self.assertEqual(self.close_with(close_payload(code)), code)

    def test_7_9_invalid_codes(self):
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
            with self.subTest(code=code):
                self.assertEqual(self.close_with(close_payload(code)), 1002)

    def test_7_data_after_close_is_ignored(self):
        c = self.raw()
        c.send(build_frame(OP_CLOSE, close_payload(1000)) + build_frame(OP_TEXT, "late"))
        self.assertEqual(c.expect_close(), 1000)
        self.assertTrue(c.expect_eof())
        c.close()


class Limits(ServerTestCase):
    CONFIG = {"websocket": {"max_message_size": 65536, "max_frame_size": 65536}}

    def test_frame_header_announcing_too_much(self):
        c = self.raw()
        c.send(build_frame(OP_BINARY, b"", length=65537)[:14])
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_fragments_accumulating_beyond_the_limit(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"x" * 40000, fin=False)
        c.send_frame(OP_CONT, b"x" * 40000)
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_exactly_the_limit_is_fine(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"y" * 65536)
        self.assertEqual(c.recv_message(), (OP_BINARY, b"y" * 65536))
        c.close()

    def test_deflate_bomb_is_closed_with_1009(self):
        c = self.raw(extensions="permessage-deflate")
        self.assertIn("permessage-deflate", c.response_headers.get("sec-websocket-extensions", ""))
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        bomb = z.compress(b"\0" * (64 << 20)) + z.flush(zlib.Z_SYNC_FLUSH)
        c.send_frame(OP_BINARY, bomb[:-4], rsv=4)
        self.assertEqual(c.expect_close(timeout=10), 1009)
        c.close()


def inflated_payload(frame):
    """(opcode, payload) of a received frame, inflated when RSV1 is set."""
    fin, rsv, op, payload = frame
    if rsv & 4:
        payload = zlib.decompressobj(-15).decompress(payload + b"\0\0\xff\xff")
    return op, payload


def deflate_message(data, z):
    return (z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]


class Compression(ServerTestCase):
    """Autobahn 12.x / 13.x: permessage-deflate echo with each parameter combination."""

    async def _echo_many(self, **kw):
        async with websockets.connect(self.server.url(), max_size=None, **kw) as ws:
            for n in (0, 16, 64, 128, 256, 1024, 4096, 8192, 65536, 131072, 1 << 20):
                for payload in ("a" * n, os.urandom(n)):
                    await ws.send(payload)
                    self.assertEqual(await ws.recv(), payload)

    def test_12_default_parameters(self):
        asyncio.run(self._echo_many())

    def test_13_no_context_takeover_variants(self):
        from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
        for kwargs in (dict(client_no_context_takeover=True), dict(server_no_context_takeover=True),
                       dict(client_no_context_takeover=True, server_no_context_takeover=True),
                       dict(server_max_window_bits=9), dict(client_max_window_bits=9),
                       dict(server_max_window_bits=10, client_max_window_bits=12)):
            with self.subTest(**kwargs):
                factory = ClientPerMessageDeflateFactory(**kwargs)
                asyncio.run(self._echo_many(extensions=[factory], compression=None))

    def test_raw_compressed_message_with_context_takeover(self):
        c = self.raw(extensions="permessage-deflate; client_max_window_bits")
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        for i in range(50):
            text = ("hello compressed world %d " % i) * 20
            c.send_frame(OP_TEXT, deflate_message(text.encode(), z), rsv=4)
            self.assertEqual(inflated_payload(c.recv_frame()), (OP_TEXT, text.encode()))
        c.close()

    def test_compressed_fragmented_with_ping_between(self):
        c = self.raw(extensions="permessage-deflate")
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate_message(b"fragmented and compressed " * 10, z)
        c.send_frame(OP_TEXT, body[:7], fin=False, rsv=4)
        c.send_frame(OP_PING, "between")
        c.send_frame(OP_CONT, body[7:])
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"between"))
        self.assertEqual(inflated_payload(c.recv_frame()), (OP_TEXT, b"fragmented and compressed " * 10))
        c.close()

    def test_corrupt_compressed_data(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_TEXT, b"\xff\xff\xff\xff garbage", rsv=4)
        self.assertIn(c.expect_close(), (1007, 1002))
        c.close()

    def test_rsv1_on_continuation_frame(self):
        c = self.raw(extensions="permessage-deflate")
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate_message(b"abc" * 50, z)
        c.send_frame(OP_TEXT, body[:4], fin=False, rsv=4)
        c.send_frame(OP_CONT, body[4:], rsv=4)
        self.assertEqual(c.expect_close(), 1002)
        c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
