"""RFC 6455 / RFC 7692 conformance of /echo, one case per test function, numbered and grouped
like the sections of the Autobahn|Testsuite (which cannot be installed here: it needs PyPI).

Case numbers follow Autobahn's where a case has an Autobahn twin; cases without one carry a
descriptive name in the section they belong to. Delays that Autobahn makes 1 s long are a few
tens of milliseconds here: the point is that the pieces arrive in separate reads.

Run alone: python3 test_conformance.py [Class[.test_case] ...]; against a server started by
hand: WSHUB_TEST_URL=ws://127.0.0.1:9001/echo python3 test_conformance.py (cases that need a
configured wshub are skipped then)."""
import asyncio
import os
import socket
import time
import unittest
import zlib

import websockets

from wshub_testlib import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Closed, ServerTestCase,
                           build_frame, close_payload, main)

CHOP_DELAY = 0.02  # between pieces that must arrive in separate reads


def add_case(cls, name, fn):
    """Adds one generated case; `name` must be a valid identifier after 'test_'."""
    fn.__name__ = "test_" + name
    setattr(cls, fn.__name__, fn)


def opcodes_of(frames):
    return [f[2] for f in frames]


class RawCase(ServerTestCase):
    """Base for raw-client sections (not a section itself)."""

    def echo(self, opcode, payload, chop=None, timeout=30):
        c = self.raw()
        try:
            frame = build_frame(opcode, payload)
            if chop:
                c.send_chopped(frame, chop)
            else:
                c.send(frame)
            op, got = c.recv_message(timeout=timeout)
            self.assertEqual(op, opcode)
            self.assertEqual(len(got), len(payload))
            self.assertEqual(got, payload)
        finally:
            c.close()

    def assert_fails(self, data, code=1002, echoed=(), chop=None, no_pong=False):
        """Sends `data`, expects each (opcode, payload) of `echoed` back, then a close
        frame with `code` and the end of TCP. With `no_pong`, no pong may precede the close:
        frames after the offending one must not be processed."""
        c = self.raw()
        try:
            if chop:
                c.send_chopped(data, chop)
            else:
                c.send(data)
            frames = c.frames_until_close()
            data_frames = [(f[2], f[3]) for f in frames if f[2] in (OP_TEXT, OP_BINARY)]
            self.assertEqual(data_frames, list(echoed))
            if no_pong:
                self.assertNotIn(OP_PONG, opcodes_of(frames))
            code_got = frames[-1][3][:2]
            self.assertEqual(int.from_bytes(code_got, "big") if code_got else 1005, code)
            self.assertTrue(c.expect_eof(), "server must close TCP after failing the connection")
        finally:
            c.close()


# --- 1.x framing --------------------------------------------------------------------------

class Framing(RawCase):
    """1.x: text and binary messages of every length class, whole and chopped."""

    def test_1_1_8_text_65536_chopped_997(self):
        self.echo(OP_TEXT, b"*" * 65536, chop=997)

    def test_1_1_9_text_16MiB(self):
        self.echo(OP_TEXT, b"*" * (16 << 20), timeout=60)

    def test_1_1_10_text_16MiB_chopped_65521(self):
        self.echo(OP_TEXT, b"*" * (16 << 20), chop=65521, timeout=60)

    def test_1_2_8_binary_65536_chopped_997(self):
        self.echo(OP_BINARY, b"\xfe" * 65536, chop=997)

    def test_1_2_9_binary_16MiB(self):
        self.echo(OP_BINARY, os.urandom(1 << 20) * 16, timeout=60)

    def test_1_3_text_chopped_octet_wise(self):
        self.echo(OP_TEXT, b"octet by octet", chop=1)

    def test_1_4_non_minimal_16bit_length_accepted(self):
        c = self.raw()
        c.send(bytes([0x81, 0x80 | 126, 0, 3]) + b"\0\0\0\0" + b"abc")
        self.assertEqual(c.recv_message(), (OP_TEXT, b"abc"))
        c.close()

    def test_1_5_non_minimal_64bit_length_accepted(self):
        c = self.raw()
        c.send(bytes([0x82, 0x80 | 127]) + (5).to_bytes(8, "big") + b"\0\0\0\0" + b"hello")
        self.assertEqual(c.recv_message(), (OP_BINARY, b"hello"))
        c.close()

    def test_1_6_zero_mask_key_and_random_mask_keys(self):
        c = self.raw()
        for i in range(20):
            key = b"\0\0\0\0" if i == 0 else os.urandom(4)
            c.send_frame(OP_BINARY, bytes([i]) * (i * 13), mask_key=key)
            self.assertEqual(c.recv_message(), (OP_BINARY, bytes([i]) * (i * 13)))
        c.close()


for _i, _n in enumerate((0, 125, 126, 127, 128, 65535, 65536), start=1):
    add_case(Framing, f"1_1_{_i}_text_length_{_n}", lambda self, n=_n: self.echo(OP_TEXT, b"*" * n))
    add_case(Framing, f"1_2_{_i}_binary_length_{_n}",
             lambda self, n=_n: self.echo(OP_BINARY, (bytes(range(256)) * (n // 256 + 1))[:n]))


# --- 2.x pings and pongs ---------------------------------------------------------------

class PingsAndPongs(RawCase):
    """2.x: pings are answered with identical pongs, in order; pongs are ignored."""

    def ping_pong(self, payload, chop=None):
        c = self.raw()
        frame = build_frame(OP_PING, payload)
        if chop:
            c.send_chopped(frame, chop, CHOP_DELAY if chop == 1 and len(frame) < 40 else 0)
        else:
            c.send(frame)
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, payload))
        c.close()

    def test_2_1_ping_without_payload(self):
        self.ping_pong(b"")

    def test_2_2_ping_with_small_text_payload(self):
        self.ping_pong("Hello, wshub!".encode())

    def test_2_3_ping_with_small_binary_payload(self):
        self.ping_pong(b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff")

    def test_2_4_ping_with_125_byte_binary_payload(self):
        self.ping_pong(bytes(range(125)))

    def test_2_5_ping_with_126_bytes_fails_1002(self):
        self.assert_fails(build_frame(OP_PING, b"x" * 126))

    def test_2_6_ping_125_bytes_chopped_octet_wise(self):
        self.ping_pong(b"\xfe" * 125, chop=1)

    def test_2_7_unsolicited_pong_without_payload_ignored(self):
        c = self.raw()
        c.send(build_frame(OP_PONG, b"") + build_frame(OP_TEXT, "after"))
        self.assertEqual(c.recv_frame()[2:], (OP_TEXT, b"after"))
        c.close()

    def test_2_8_unsolicited_pong_with_payload_ignored(self):
        c = self.raw()
        c.send(build_frame(OP_PONG, b"unsolicited") + build_frame(OP_TEXT, "after"))
        self.assertEqual(c.recv_frame()[2:], (OP_TEXT, b"after"))
        c.close()

    def test_2_9_unsolicited_pong_then_ping_one_pong(self):
        c = self.raw()
        c.send(build_frame(OP_PONG, b"unsolicited") + build_frame(OP_PING, b"mine"))
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"mine"))
        c.send_frame(OP_TEXT, "fence")
        self.assertEqual(c.recv_frame()[2:], (OP_TEXT, b"fence"))  # and no second pong before it
        c.close()

    def test_2_10_ten_pings_ten_pongs_in_order(self):
        c = self.raw()
        c.send(b"".join(build_frame(OP_PING, f"p{i}") for i in range(10)))
        for i in range(10):
            self.assertEqual(c.recv_frame()[2:], (OP_PONG, f"p{i}".encode()))
        c.close()

    def test_2_11_ten_pings_chopped_ten_pongs_in_order(self):
        c = self.raw()
        c.send_chopped(b"".join(build_frame(OP_PING, f"p{i}") for i in range(10)), chop=3)
        for i in range(10):
            self.assertEqual(c.recv_frame()[2:], (OP_PONG, f"p{i}".encode()))
        c.close()


# --- 3.x reserved bits -----------------------------------------------------------------

class ReservedBits(RawCase):
    """3.x: a frame with RSV bits and no extension that defines them fails with 1002, after
    the echo of the valid message before it; frames after it are not processed."""

    def test_3_1_rsv1_small_text(self):
        self.assert_fails(build_frame(OP_TEXT, "Hello", rsv=1))

    def test_3_2_rsv2_after_valid_text(self):
        self.assert_fails(build_frame(OP_TEXT, "ok") + build_frame(OP_TEXT, "bad", rsv=2), echoed=[(OP_TEXT, b"ok")])

    def test_3_3_rsv3_after_text_then_ping_frame_wise(self):
        data = build_frame(OP_TEXT, "ok") + build_frame(OP_TEXT, "bad", rsv=3) + build_frame(OP_PING, b"")
        self.assert_fails(data, echoed=[(OP_TEXT, b"ok")], no_pong=True)

    def test_3_4_rsv4_after_text_then_ping_octet_wise(self):
        data = build_frame(OP_TEXT, "ok") + build_frame(OP_TEXT, "bad", rsv=4) + build_frame(OP_PING, b"")
        self.assert_fails(data, echoed=[(OP_TEXT, b"ok")], chop=1, no_pong=True)

    def test_3_5_rsv5_binary(self):
        self.assert_fails(build_frame(OP_BINARY, bytes(range(8)), rsv=5))

    def test_3_6_rsv6_ping(self):
        self.assert_fails(build_frame(OP_PING, b"ping", rsv=6), no_pong=True)

    def test_3_7_rsv7_close(self):
        self.assert_fails(build_frame(OP_CLOSE, close_payload(1000), rsv=7))

    def test_3_8_rsv1_on_text_without_deflate_negotiated(self):
        # RSV1 means "compressed" only when permessage-deflate was negotiated; the raw
        # client offers no extension.
        self.assert_fails(build_frame(OP_TEXT, "ok") + build_frame(OP_TEXT, "x", rsv=4), echoed=[(OP_TEXT, b"ok")])


# --- 4.x opcodes -----------------------------------------------------------------------

class ReservedOpcodes(RawCase):
    """4.x: reserved non-control (3-7) and control (11-15) opcodes fail with 1002."""


for _op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
    _section = "4_1" if _op < 8 else "4_2"
    add_case(ReservedOpcodes, f"{_section}_opcode_{_op}_alone",
             lambda self, op=_op: self.assert_fails(build_frame(op, b"")))
    add_case(ReservedOpcodes, f"{_section}_opcode_{_op}_after_text_then_ping",
             lambda self, op=_op: self.assert_fails(
                 build_frame(OP_TEXT, "ok") + build_frame(op, b"reserved payload") + build_frame(OP_PING, b""),
                 echoed=[(OP_TEXT, b"ok")], no_pong=True))
add_case(ReservedOpcodes, "4_1_5_opcode_7_octet_wise", lambda self: self.assert_fails(
    build_frame(OP_TEXT, "ok") + build_frame(7, b"x") + build_frame(OP_PING, b""),
    echoed=[(OP_TEXT, b"ok")], chop=1, no_pong=True))


# --- 5.x fragmentation -----------------------------------------------------------------

class Fragmentation(RawCase):
    """5.x: fragmented messages are reassembled; broken fragment sequences fail with 1002."""

    def test_5_1_ping_fragmented_fails(self):
        self.assert_fails(build_frame(OP_PING, b"frag", fin=False) + build_frame(OP_CONT, b"ment"), no_pong=True)

    def test_5_2_pong_fragmented_fails(self):
        self.assert_fails(build_frame(OP_PONG, b"frag", fin=False) + build_frame(OP_CONT, b"ment"))

    def two_fragments(self, chop=None):
        c = self.raw()
        data = build_frame(OP_TEXT, "frag", fin=False) + build_frame(OP_CONT, "ment")
        if chop:
            c.send_chopped(data, chop, CHOP_DELAY)
        else:
            c.send(data)
        self.assertEqual(c.recv_message(), (OP_TEXT, b"fragment"))
        c.close()

    def test_5_3_text_two_fragments(self):
        self.two_fragments()

    def test_5_4_text_two_fragments_frame_wise(self):
        self.two_fragments(chop=10)  # each fragment frame is 10 bytes

    def test_5_5_text_two_fragments_octet_wise(self):
        self.two_fragments(chop=1)

    def ping_between(self, chop=None):
        c = self.raw()
        data = build_frame(OP_TEXT, "frag", fin=False) + build_frame(OP_PING, "in-between") + \
            build_frame(OP_CONT, "ment")
        if chop:
            c.send_chopped(data, chop, CHOP_DELAY if chop == 1 else 0)
        else:
            c.send(data)
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"in-between"))
        self.assertEqual(c.recv_message(), (OP_TEXT, b"fragment"))
        c.close()

    def test_5_6_ping_between_two_fragments(self):
        self.ping_between()

    def test_5_7_ping_between_two_fragments_chopped(self):
        self.ping_between(chop=5)

    def test_5_8_ping_between_two_fragments_octet_wise(self):
        self.ping_between(chop=1)

    def test_5_9_continuation_fin_without_start(self):
        self.assert_fails(build_frame(OP_CONT, "orphan") + build_frame(OP_TEXT, "after"))

    def test_5_10_continuation_fin_without_start_octet_wise(self):
        self.assert_fails(build_frame(OP_CONT, "orphan") + build_frame(OP_TEXT, "after"), chop=1)

    def test_5_12_continuation_nofin_without_start(self):
        self.assert_fails(build_frame(OP_CONT, "orphan", fin=False) + build_frame(OP_TEXT, "after"))

    def test_5_15_message_then_orphan_continuation(self):
        data = build_frame(OP_TEXT, "frag", fin=False) + build_frame(OP_CONT, "ment") + \
            build_frame(OP_CONT, "orphan", fin=False) + build_frame(OP_TEXT, "after")
        self.assert_fails(data, echoed=[(OP_TEXT, b"fragment")])

    def test_5_16_orphan_continuation_then_fragmented_message(self):
        data = build_frame(OP_CONT, "orphan", fin=False) + build_frame(OP_TEXT, "frag", fin=False) + \
            build_frame(OP_CONT, "ment")
        self.assert_fails(data)

    def test_5_18_text_fragments_both_with_text_opcode(self):
        self.assert_fails(build_frame(OP_TEXT, "frag", fin=False) + build_frame(OP_TEXT, "ment"))

    def test_5_18b_binary_inside_fragmented_text(self):
        self.assert_fails(build_frame(OP_TEXT, "frag", fin=False) + build_frame(OP_BINARY, "ment"))

    def test_5_19_five_fragments_with_pings_and_delays(self):
        c = self.raw()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        parts = ["frag1", "frag2", "frag3", "frag4", "frag5"]
        for i, p in enumerate(parts):
            c.send_frame(OP_TEXT if i == 0 else OP_CONT, p, fin=(i == 4))
            if i in (1, 3):
                c.send_frame(OP_PING, f"pongme{i}")
                self.assertEqual(c.recv_frame()[2:], (OP_PONG, f"pongme{i}".encode()))
            time.sleep(CHOP_DELAY)
        self.assertEqual(c.recv_message(), (OP_TEXT, "".join(parts).encode()))
        c.close()

    def test_5_20_five_fragments_with_pings_octet_wise(self):
        c = self.raw()
        data = b"".join([build_frame(OP_TEXT, "one", fin=False), build_frame(OP_PING, "p"),
                         build_frame(OP_CONT, "two", fin=False), build_frame(OP_PONG, "unsolicited"),
                         build_frame(OP_CONT, "three", fin=False), build_frame(OP_PING, "q"),
                         build_frame(OP_CONT, "four", fin=False), build_frame(OP_CONT, "five")])
        c.send_chopped(data, 1)
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"p"))
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"q"))
        self.assertEqual(c.recv_message(), (OP_TEXT, b"onetwothreefourfive"))
        c.close()

    def test_5_21_65536_fragments_of_one_byte(self):
        c = self.raw()
        frames = [build_frame(OP_BINARY, b"x", fin=False)]
        frames += [build_frame(OP_CONT, b"x", fin=False)] * 65534
        frames.append(build_frame(OP_CONT, b"x"))
        c.send(b"".join(frames))
        self.assertEqual(c.recv_message(timeout=30), (OP_BINARY, b"x" * 65536))
        c.close()

    def test_5_22_empty_fragments(self):
        c = self.raw()
        c.send(build_frame(OP_TEXT, "", fin=False) + build_frame(OP_CONT, "", fin=False) + build_frame(OP_CONT, ""))
        self.assertEqual(c.recv_message(), (OP_TEXT, b""))
        c.close()

    def test_5_23_fragmented_close_fails(self):
        self.assert_fails(build_frame(OP_CLOSE, close_payload(1000), fin=False) + build_frame(OP_CONT, b""))

    def test_5_24_close_between_fragments_is_a_close(self):
        # A control frame may come between fragments: the close is handled, the unfinished
        # message is dropped (not echoed).
        self.assert_fails(build_frame(OP_TEXT, "unfinished", fin=False) + build_frame(OP_CLOSE, close_payload(1000)),
                          code=1000)


# --- 6.x UTF-8 -------------------------------------------------------------------------

# Markus Kuhn's UTF-8 decoder capability and stress test, as used by Autobahn 6.5-6.23, plus
# the cases of 6.2-6.4. Each entry: (case name, bytes). Validity is decided by Python's strict
# decoder, which rejects surrogates and code points above U+10FFFF exactly as RFC 3629 does;
# the table below is checked against the expectation written next to it at import time.
KOSME = "κόσμε".encode()
UTF8_CASES = [
    # 6.5 / 6.7 / 6.9 / 6.11: valid boundary cases
    ("6_5_1_kosme", KOSME, True),
    ("6_7_1_first_1_byte_U0000", b"\x00", True),
    ("6_7_2_first_2_byte_U0080", b"\xc2\x80", True),
    ("6_7_3_first_3_byte_U0800", b"\xe0\xa0\x80", True),
    ("6_7_4_first_4_byte_U10000", b"\xf0\x90\x80\x80", True),
    ("6_9_1_last_1_byte_U007F", b"\x7f", True),
    ("6_9_2_last_2_byte_U07FF", b"\xdf\xbf", True),
    ("6_9_3_last_3_byte_UFFFF", b"\xef\xbf\xbf", True),
    ("6_9_4_last_4_byte_U10FFFF", b"\xf4\x8f\xbf\xbf", True),
    ("6_11_1_UD7FF", b"\xed\x9f\xbf", True),
    ("6_11_2_UE000", b"\xee\x80\x80", True),
    ("6_11_3_UFFFD", b"\xef\xbf\xbd", True),
    ("6_11_4_U10FFFF", b"\xf4\x8f\xbf\xbf", True),
    ("6_11_5_U110000", b"\xf4\x90\x80\x80", False),
    # 6.8 / 6.10: 5- and 6-byte forms and > U+10FFFF
    ("6_8_1_first_5_byte", b"\xf8\x88\x80\x80\x80", False),
    ("6_8_2_first_6_byte", b"\xfc\x84\x80\x80\x80\x80", False),
    ("6_10_1_last_4_byte_U1FFFFF", b"\xf7\xbf\xbf\xbf", False),
    ("6_10_2_last_5_byte", b"\xfb\xbf\xbf\xbf\xbf", False),
    ("6_10_3_last_6_byte", b"\xfd\xbf\xbf\xbf\xbf\xbf", False),
    # 6.12 unexpected continuation bytes
    ("6_12_1_first_continuation_80", b"\x80", False),
    ("6_12_2_last_continuation_bf", b"\xbf", False),
    ("6_12_3_two_continuations", b"\x80\xbf", False),
    ("6_12_4_three_continuations", b"\x80\xbf\x80", False),
    ("6_12_5_four_continuations", b"\x80\xbf\x80\xbf", False),
    ("6_12_6_five_continuations", b"\x80\xbf\x80\xbf\x80", False),
    ("6_12_7_six_continuations", b"\x80\xbf\x80\xbf\x80\xbf", False),
    ("6_12_8_all_64_continuations", bytes(range(0x80, 0xc0)), False),
    # 6.13 lonely start bytes, each followed by a space
    ("6_13_1_lonely_2_byte_starts", b"".join(bytes([b, 0x20]) for b in range(0xc0, 0xe0)), False),
    ("6_13_2_lonely_3_byte_starts", b"".join(bytes([b, 0x20]) for b in range(0xe0, 0xf0)), False),
    ("6_13_3_lonely_4_byte_starts", b"".join(bytes([b, 0x20]) for b in range(0xf0, 0xf8)), False),
    ("6_13_4_lonely_5_byte_starts", b"".join(bytes([b, 0x20]) for b in range(0xf8, 0xfc)), False),
    ("6_13_5_lonely_6_byte_starts", b"".join(bytes([b, 0x20]) for b in range(0xfc, 0xfe)), False),
    # 6.14 sequences with the last continuation byte missing
    ("6_14_1_2_byte_U0000_truncated", b"\xc0", False),
    ("6_14_2_3_byte_U0000_truncated", b"\xe0\x80", False),
    ("6_14_3_4_byte_U0000_truncated", b"\xf0\x80\x80", False),
    ("6_14_4_5_byte_U0000_truncated", b"\xf8\x80\x80\x80", False),
    ("6_14_5_6_byte_U0000_truncated", b"\xfc\x80\x80\x80\x80", False),
    ("6_14_6_2_byte_U07FF_truncated", b"\xdf", False),
    ("6_14_7_3_byte_UFFFF_truncated", b"\xef\xbf", False),
    ("6_14_8_4_byte_U1FFFFF_truncated", b"\xf7\xbf\xbf", False),
    ("6_14_9_5_byte_truncated", b"\xfb\xbf\xbf\xbf", False),
    ("6_14_10_6_byte_truncated", b"\xfd\xbf\xbf\xbf\xbf", False),
    ("6_14_11_valid_2_byte_truncated", b"\xc2", False),
    ("6_14_12_valid_3_byte_truncated", b"\xe0\xa0", False),
    ("6_14_13_valid_4_byte_truncated", b"\xf0\x90\x80", False),
    ("6_14_14_truncated_then_ascii", b"\xe0\xa0\x41", False),
    # 6.15 concatenation of incomplete sequences
    ("6_15_1_all_truncated_concatenated",
     b"\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf"
     b"\xfd\xbf\xbf\xbf\xbf", False),
    # 6.16 impossible bytes
    ("6_16_1_fe", b"\xfe", False),
    ("6_16_2_ff", b"\xff", False),
    ("6_16_3_fe_fe_ff_ff", b"\xfe\xfe\xff\xff", False),
    # 6.17 overlong ASCII slash
    ("6_17_1_overlong_2_byte_slash", b"\xc0\xaf", False),
    ("6_17_2_overlong_3_byte_slash", b"\xe0\x80\xaf", False),
    ("6_17_3_overlong_4_byte_slash", b"\xf0\x80\x80\xaf", False),
    ("6_17_4_overlong_5_byte_slash", b"\xf8\x80\x80\x80\xaf", False),
    ("6_17_5_overlong_6_byte_slash", b"\xfc\x80\x80\x80\x80\xaf", False),
    # 6.18 maximum overlong sequences
    ("6_18_1_max_overlong_2_byte", b"\xc1\xbf", False),
    ("6_18_2_max_overlong_3_byte", b"\xe0\x9f\xbf", False),
    ("6_18_3_max_overlong_4_byte", b"\xf0\x8f\xbf\xbf", False),
    ("6_18_4_max_overlong_5_byte", b"\xf8\x87\xbf\xbf\xbf", False),
    ("6_18_5_max_overlong_6_byte", b"\xfc\x83\xbf\xbf\xbf\xbf", False),
    # 6.19 overlong NUL
    ("6_19_1_overlong_nul_2_byte", b"\xc0\x80", False),
    ("6_19_2_overlong_nul_3_byte", b"\xe0\x80\x80", False),
    ("6_19_3_overlong_nul_4_byte", b"\xf0\x80\x80\x80", False),
    ("6_19_4_overlong_nul_5_byte", b"\xf8\x80\x80\x80\x80", False),
    ("6_19_5_overlong_nul_6_byte", b"\xfc\x80\x80\x80\x80\x80", False),
    # 6.20 single UTF-16 surrogates
    ("6_20_1_UD800", b"\xed\xa0\x80", False),
    ("6_20_2_UDB7F", b"\xed\xad\xbf", False),
    ("6_20_3_UDB80", b"\xed\xae\x80", False),
    ("6_20_4_UDBFF", b"\xed\xaf\xbf", False),
    ("6_20_5_UDC00", b"\xed\xb0\x80", False),
    ("6_20_6_UDF80", b"\xed\xbe\x80", False),
    ("6_20_7_UDFFF", b"\xed\xbf\xbf", False),
    # 6.21 paired surrogates
    ("6_21_1_UD800_UDC00", b"\xed\xa0\x80\xed\xb0\x80", False),
    ("6_21_2_UD800_UDFFF", b"\xed\xa0\x80\xed\xbf\xbf", False),
    ("6_21_3_UDB7F_UDC00", b"\xed\xad\xbf\xed\xb0\x80", False),
    ("6_21_4_UDB7F_UDFFF", b"\xed\xad\xbf\xed\xbf\xbf", False),
    ("6_21_5_UDB80_UDC00", b"\xed\xae\x80\xed\xb0\x80", False),
    ("6_21_6_UDB80_UDFFF", b"\xed\xae\x80\xed\xbf\xbf", False),
    ("6_21_7_UDBFF_UDC00", b"\xed\xaf\xbf\xed\xb0\x80", False),
    ("6_21_8_UDBFF_UDFFF", b"\xed\xaf\xbf\xed\xbf\xbf", False),
    # 6.22 noncharacters are valid UTF-8
    ("6_22_1_UFFFE", b"\xef\xbf\xbe", True),
    ("6_22_2_UFFFF", b"\xef\xbf\xbf", True),
    ("6_22_3_U1FFFE", b"\xf0\x9f\xbf\xbe", True),
    ("6_22_4_U10FFFE", b"\xf4\x8f\xbf\xbe", True),
    ("6_22_5_UFDD0_to_UFDEF", "".join(chr(c) for c in range(0xFDD0, 0xFDF0)).encode(), True),
    ("6_22_6_all_plane_ends", "".join(chr(p * 0x10000 + 0xFFFE) + chr(p * 0x10000 + 0xFFFF)
                                      for p in range(17)).encode(), True),
    # 6.23 replacement character and friends
    ("6_23_1_UFFFD", b"\xef\xbf\xbd", True),
    ("6_23_2_UFFFD_repeated", b"\xef\xbf\xbd" * 40, True),
    ("6_23_3_BOM", b"\xef\xbb\xbf", True),
    ("6_23_4_NUL_in_the_middle", b"abc\x00def", True),
    ("6_23_5_mixed_scripts", "Hello-µ@ßöäüàá-UTF-8!! κόσμε 日本語 🎉 \u00a0\u1680\u2000\u3000".encode(), True),
]
# 6.6: every prefix of "κόσμε": valid exactly when cut at a code point boundary.
UTF8_CASES += [(f"6_6_{i}_kosme_prefix_{i}", KOSME[:i], None) for i in range(1, len(KOSME) + 1)]
# 6.3: the Markus Kuhn "κόσμε" + surrogate + "edited" sample.
UTF8_CASES += [("6_3_1_kosme_surrogate_edited", KOSME + b"\xed\xa0\x80edited", False)]


def utf8_valid(b):
    try:
        b.decode("utf-8", errors="strict")
        return True
    except UnicodeDecodeError:
        return False


for _name, _bytes, _expected in UTF8_CASES:
    assert _expected is None or utf8_valid(_bytes) == _expected, f"table entry {_name} disagrees with the decoder"


class Utf8(RawCase):
    """6.x: text must be valid UTF-8 (RFC 3629); invalid text fails with 1007, as early as
    the invalid byte arrives (fail fast), even in the middle of a fragmented message."""

    def utf8_case(self, payload, fragmented):
        if utf8_valid(payload):
            c = self.raw()
            if fragmented:
                c.send_fragmented(OP_TEXT, payload, 1)
            else:
                c.send_frame(OP_TEXT, payload)
            self.assertEqual(c.recv_message(), (OP_TEXT, payload))
            c.close()
        else:
            c = self.raw()
            if fragmented:
                c.send_fragmented(OP_TEXT, payload, 1)
            else:
                c.send_frame(OP_TEXT, payload)
            self.assertEqual(c.expect_close(), 1007)
            self.assertTrue(c.expect_eof())
            c.close()

    def test_6_1_1_empty_text(self):
        self.echo(OP_TEXT, b"")

    def test_6_1_2_empty_text_in_three_empty_fragments(self):
        c = self.raw()
        c.send_fragmented(OP_TEXT, b"", 1)
        c.send(build_frame(OP_TEXT, b"", fin=False) + build_frame(OP_CONT, b"", fin=False) + build_frame(OP_CONT, b""))
        self.assertEqual(c.recv_message(), (OP_TEXT, b""))
        self.assertEqual(c.recv_message(), (OP_TEXT, b""))
        c.close()

    def test_6_2_2_valid_text_split_inside_a_code_point(self):
        c = self.raw()
        b = "Hello-µ@ßöäüàá-UTF-8!!".encode()
        c.send(build_frame(OP_TEXT, b[:7], fin=False) + build_frame(OP_CONT, b[7:]))  # splits "µ"
        self.assertEqual(c.recv_message(), (OP_TEXT, b))
        c.close()

    def test_6_2_4_valid_4_byte_chars_fragmented_per_byte(self):
        c = self.raw()
        b = "\U0001F600\U00010000\U0010FFFF".encode()
        c.send_fragmented(OP_TEXT, b, 1)
        self.assertEqual(c.recv_message(), (OP_TEXT, b))
        c.close()

    # 6.4: fail fast. The server must close once the invalid byte is there, without waiting
    # for the rest of the message, which the client never sends.
    def fail_fast(self, data):
        c = self.raw()
        c.send(data)
        self.assertEqual(c.expect_close(timeout=3), 1007)
        c.close()

    def test_6_4_1_invalid_in_middle_fragment_final_never_sent(self):
        self.fail_fast(build_frame(OP_TEXT, KOSME, fin=False) + build_frame(OP_CONT, b"\xf4\x90\x80\x80", fin=False))

    def test_6_4_2_invalid_sequence_split_across_fragments(self):
        # \xf4 alone could still become valid; \x90 after it proves it never will.
        self.fail_fast(build_frame(OP_TEXT, KOSME + b"\xf4", fin=False) + build_frame(OP_CONT, b"\x90", fin=False))

    def test_6_4_2b_surrogate_split_across_fragments(self):
        self.fail_fast(build_frame(OP_TEXT, b"ok\xed", fin=False) + build_frame(OP_CONT, b"\xa0", fin=False))

    def test_6_4_3_invalid_inside_a_frame_rest_never_sent(self):
        frame = build_frame(OP_TEXT, KOSME + b"\xf4\x90\x80\x80" + b"a" * 1000)
        self.fail_fast(frame[:8 + len(KOSME) + 4])  # header + mask key + the bytes up to the invalid ones

    def test_6_4_4_invalid_in_first_fragment_of_a_long_message(self):
        self.fail_fast(build_frame(OP_TEXT, b"valid start \xff", fin=False))

    def test_6_4_5_invalid_byte_sent_octet_wise_inside_a_frame(self):
        c = self.raw()
        frame = build_frame(OP_TEXT, b"abc\xc0\xafdef" + b"x" * 100)
        c.send_chopped(frame[:6 + 2 + 5], 1)  # up to and including the overlong pair
        self.assertEqual(c.expect_close(timeout=3), 1007)
        c.close()

    def test_6_x_invalid_after_valid_messages_on_same_connection(self):
        c = self.raw()
        for name, b, expected in UTF8_CASES:
            if expected:
                c.send_frame(OP_TEXT, b)
                self.assertEqual(c.recv_message(), (OP_TEXT, b), name)
        c.send_frame(OP_TEXT, b"\xed\xa0\x80")
        self.assertEqual(c.expect_close(), 1007)
        c.close()

    def test_6_x_binary_messages_are_not_validated(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"\xff\xfe\xed\xa0\x80\xc0\xaf")
        self.assertEqual(c.recv_message(), (OP_BINARY, b"\xff\xfe\xed\xa0\x80\xc0\xaf"))
        c.close()


for _name, _bytes, _ in UTF8_CASES:
    add_case(Utf8, _name, lambda self, b=_bytes: self.utf8_case(b, False))
    if len(_bytes) > 1:
        add_case(Utf8, _name + "_fragmented_per_byte", lambda self, b=_bytes: self.utf8_case(b, True))


# --- 7.x closing -----------------------------------------------------------------------

class Closing(RawCase):
    """7.x: the close handshake; the server answers a close with a close of the same code
    (or 1002/1007 for a broken close frame) and then closes TCP; nothing after it counts."""

    def close_with(self, payload, before=b""):
        c = self.raw()
        try:
            c.send(before + build_frame(OP_CLOSE, payload))
            frames = c.frames_until_close()
            self.assertTrue(c.expect_eof(), "server must close TCP after the close handshake")
            return frames
        finally:
            c.close()

    def close_code(self, payload):
        frames = self.close_with(payload)
        p = frames[-1][3]
        return int.from_bytes(p[:2], "big") if p else 1005

    def test_7_1_1_echo_then_clean_close(self):
        frames = self.close_with(close_payload(1000), before=build_frame(OP_TEXT, "Hello World!"))
        self.assertEqual([(f[2], f[3]) for f in frames], [(OP_TEXT, b"Hello World!"), (OP_CLOSE, close_payload(1000))])

    def test_7_1_2_close_twice(self):
        frames = self.close_with(close_payload(1000), before=build_frame(OP_CLOSE, close_payload(1000)))
        self.assertEqual(opcodes_of(frames), [OP_CLOSE])

    def test_7_1_3_ping_after_close_not_answered(self):
        c = self.raw()
        c.send(build_frame(OP_CLOSE, close_payload(1000)) + build_frame(OP_PING, b"late"))
        self.assertEqual(opcodes_of(c.frames_until_close()), [OP_CLOSE])
        self.assertTrue(c.expect_eof())
        c.close()

    def test_7_1_4_text_after_close_not_echoed(self):
        c = self.raw()
        c.send(build_frame(OP_CLOSE, close_payload(1000)) + build_frame(OP_TEXT, "late"))
        self.assertEqual(opcodes_of(c.frames_until_close()), [OP_CLOSE])
        self.assertTrue(c.expect_eof())
        c.close()

    def test_7_1_5_unfinished_fragmented_text_then_close(self):
        frames = self.close_with(close_payload(1000), before=build_frame(OP_TEXT, "fragment", fin=False))
        self.assertEqual(opcodes_of(frames), [OP_CLOSE])

    def test_7_1_6_large_text_ping_close_arrive_in_order(self):
        big = b"BAsd7&jh23" * 26214  # 256 KiB, Autobahn's payload
        frames = self.close_with(close_payload(1000), before=build_frame(OP_TEXT, big) + build_frame(OP_PING, b"p"))
        self.assertEqual(opcodes_of(frames), [OP_TEXT, OP_PONG, OP_CLOSE])
        self.assertEqual(frames[0][3], big)

    def test_7_3_1_empty_close_answered(self):
        self.assertEqual(self.close_code(b""), 1005)

    def test_7_3_2_one_byte_payload_fails_1002(self):
        self.assertEqual(self.close_code(b"\x03"), 1002)

    def test_7_3_3_code_1000_without_reason(self):
        self.assertEqual(self.close_code(close_payload(1000)), 1000)

    def test_7_3_4_code_1000_with_reason(self):
        self.assertEqual(self.close_code(close_payload(1000, "Hello World!")), 1000)

    def test_7_3_5_reason_of_123_bytes(self):
        self.assertEqual(self.close_code(close_payload(1000, "*" * 123)), 1000)

    def test_7_3_6_payload_of_126_bytes_fails(self):
        self.assertEqual(self.close_code(close_payload(1000, "*" * 124)), 1002)

    def test_7_5_1_invalid_utf8_reason_fails_1007(self):
        self.assertEqual(self.close_code(close_payload(1000, KOSME + b"\xed\xa0\x80edited")), 1007)

    def test_7_5_2_valid_multibyte_reason(self):
        self.assertEqual(self.close_code(close_payload(1000, "κόσμε \U0001F600")), 1000)


for _code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999):
    add_case(Closing, f"7_7_valid_code_{_code}_echoed",
             lambda self, code=_code: self.assertEqual(self.close_code(close_payload(code)), code))
for _code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
    add_case(Closing, f"7_9_invalid_code_{_code}_fails_1002",
             lambda self, code=_code: self.assertEqual(self.close_code(close_payload(code)), 1002))


class Masking(RawCase):
    """RFC 6455 5.1-5.2 beyond Autobahn's sections: masking and length encoding."""

    def test_unmasked_text_frame_fails_1002(self):
        self.assert_fails(build_frame(OP_TEXT, "naked", mask=False))

    def test_unmasked_ping_fails_1002(self):
        self.assert_fails(build_frame(OP_PING, "naked", mask=False), no_pong=True)

    def test_unmasked_after_masked_message(self):
        self.assert_fails(build_frame(OP_TEXT, "ok") + build_frame(OP_TEXT, "naked", mask=False),
                          echoed=[(OP_TEXT, b"ok")])

    def test_64bit_length_with_top_bit_set_fails(self):
        c = self.raw()
        c.send(bytes([0x82, 0x80 | 127]) + (1 << 63).to_bytes(8, "big") + b"\0\0\0\0")
        self.assertIn(c.expect_close(), (1002, 1009))
        c.close()


# --- 9.x limits and performance (correctness only) --------------------------------------

class LargeMessages(RawCase):
    """9.x: large messages, many fragments, many small messages; correctness, not speed."""

    def fragmented_echo(self, opcode, total, size):
        c = self.raw()
        payload = (b"0123456789abcdef" if opcode == OP_TEXT else os.urandom(4096)) * (total // (
            16 if opcode == OP_TEXT else 4096))
        c.send_fragmented(opcode, payload, size)
        self.assertEqual(c.recv_message(timeout=60), (opcode, payload))
        c.close()

    def test_9_5_text_1MiB_chopped_64(self):
        self.echo(OP_TEXT, b"x" * (1 << 20), chop=64, timeout=60)

    def test_9_6_binary_1MiB_chopped_4096(self):
        self.echo(OP_BINARY, os.urandom(1 << 20), chop=4096, timeout=60)

    def test_9_7_1000_text_messages_round_trip(self):
        c = self.raw()
        for i in range(1000):
            c.send_frame(OP_TEXT, b"*" * (i % 130))
            self.assertEqual(c.recv_message(), (OP_TEXT, b"*" * (i % 130)))
        c.close()

    def test_9_8_1000_binary_messages_pipelined(self):
        c = self.raw()
        c.send(b"".join(build_frame(OP_BINARY, i.to_bytes(2, "big") * (i % 70)) for i in range(1000)))
        for i in range(1000):
            self.assertEqual(c.recv_message(), (OP_BINARY, i.to_bytes(2, "big") * (i % 70)))
        c.close()


for _i, _n in enumerate((64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20), start=1):
    add_case(LargeMessages, f"9_1_{_i}_text_{_n}_bytes",
             lambda self, n=_n: self.echo(OP_TEXT, b"*" * n, timeout=60))
    add_case(LargeMessages, f"9_2_{_i}_binary_{_n}_bytes",
             lambda self, n=_n: self.echo(OP_BINARY, b"\xfe" * n, timeout=60))
for _i, (_total, _size) in enumerate(((1 << 20, 256), (4 << 20, 4096), (4 << 20, 65536), (4 << 20, 1 << 20),
                                      (4 << 20, 4 << 20)), start=1):
    add_case(LargeMessages, f"9_3_{_i}_text_{_total}_in_fragments_of_{_size}",
             lambda self, t=_total, s=_size: self.fragmented_echo(OP_TEXT, t, s))
    add_case(LargeMessages, f"9_4_{_i}_binary_{_total}_in_fragments_of_{_size}",
             lambda self, t=_total, s=_size: self.fragmented_echo(OP_BINARY, t, s))


class MessageSizeLimit(RawCase):
    """max_message_size / max_frame_size: too big fails with 1009, as soon as it is known."""
    CONFIG = {"websocket": {"max_message_size": 65536, "max_frame_size": 65536}}

    def test_frame_header_announcing_too_much_fails_before_payload(self):
        c = self.raw()
        c.send(build_frame(OP_BINARY, b"", length=65537)[:14])  # header + mask, no payload
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_frame_header_announcing_16MiB_text(self):
        c = self.raw()
        c.send(build_frame(OP_TEXT, b"", length=16 << 20)[:14])
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_fragments_accumulating_beyond_the_limit(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"x" * 40000, fin=False)
        c.send_frame(OP_CONT, b"x" * 40000)
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_many_small_fragments_accumulating_beyond_the_limit_final_never_sent(self):
        c = self.raw()
        c.send_fragmented(OP_TEXT, b"y" * 1000 * 70, 1000)  # 70 fragments of 1000: > 65536
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_exactly_the_limit_is_fine(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"y" * 65536)
        self.assertEqual(c.recv_message(), (OP_BINARY, b"y" * 65536))
        c.send_fragmented(OP_TEXT, b"z" * 65536, 1000)
        self.assertEqual(c.recv_message(), (OP_TEXT, b"z" * 65536))
        c.close()

    def test_deflate_bomb_single_frame_fails_1009(self):
        c = self.raw(extensions="permessage-deflate")
        self.assertIn("permessage-deflate", c.response_headers.get("sec-websocket-extensions", ""))
        bomb = deflate_message(b"\0" * (64 << 20), zlib.compressobj(9, zlib.DEFLATED, -15))
        self.assertLess(len(bomb), 65536)  # small on the wire, 64 MiB inflated
        c.send_frame(OP_BINARY, bomb, rsv=4)
        self.assertEqual(c.expect_close(timeout=10), 1009)
        c.close()

    def test_deflate_bomb_fragmented_fails_1009(self):
        c = self.raw(extensions="permessage-deflate")
        bomb = deflate_message(b"\0" * (8 << 20), zlib.compressobj(9, zlib.DEFLATED, -15))
        c.send(build_frame(OP_TEXT, bomb[:100], fin=False, rsv=4) +
               b"".join(build_frame(OP_CONT, bomb[i:i + 100], fin=False) for i in range(100, len(bomb), 100)))
        self.assertEqual(c.expect_close(timeout=10), 1009)
        c.close()

    def test_compressed_exactly_the_limit_is_fine(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_BINARY, deflate_message(b"q" * 65536, zlib.compressobj(6, zlib.DEFLATED, -15)), rsv=4)
        self.assertEqual(inflated_payload(c.recv_frame()), (OP_BINARY, b"q" * 65536))
        c.close()


class FrameSizeLimit(RawCase):
    """max_frame_size alone: one frame too big fails with 1009; smaller fragments of a
    message within max_message_size are fine."""
    CONFIG = {"websocket": {"max_frame_size": 1024, "max_message_size": 65536}}

    def test_single_frame_over_max_frame_size_fails_1009(self):
        c = self.raw()
        c.send_frame(OP_BINARY, b"b" * 2000)
        self.assertEqual(c.expect_close(), 1009)
        c.close()

    def test_fragments_under_max_frame_size_make_a_larger_message(self):
        c = self.raw()
        c.send_fragmented(OP_TEXT, b"a" * 10000, 1000)
        self.assertEqual(c.recv_message(), (OP_TEXT, b"a" * 10000))
        c.close()


# --- 12.x / 13.x permessage-deflate -----------------------------------------------------

def inflated_payload(frame, inflater=None):
    """(opcode, payload) of a received frame, inflated when RSV1 is set."""
    fin, rsv, op, payload = frame
    if rsv & 4:
        payload = (inflater or zlib.decompressobj(-15)).decompress(payload + b"\0\0\xff\xff")
    return op, payload


def deflate_message(data, z):
    return (z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]


def extension_params(header):
    """{'permessage-deflate': {param: value}} from a Sec-WebSocket-Extensions response."""
    name, *params = [p.strip() for p in header.split(";")]
    out = {}
    for p in params:
        k, _, v = p.partition("=")
        out[k.strip()] = v.strip().strip('"') or True
    return name, out


SIZES_12 = (0, 16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072, 1 << 20)


class Compression(RawCase):
    """12.x / 13.x: permessage-deflate (RFC 7692) echo with each parameter combination,
    compressible and random payloads, with python websockets and with the raw client."""

    async def _echo_many(self, **kw):
        async with websockets.connect(self.server.url(), max_size=None, **kw) as ws:
            self.assertTrue(ws.extensions, "permessage-deflate was not negotiated")
            for n in SIZES_12:
                for payload in ("a" * n, os.urandom(n), ("wshub %d " % n) * (n // 8)):
                    await ws.send(payload)
                    self.assertEqual(await ws.recv(), payload)
            return ws.extensions

    def test_12_1_default_parameters(self):
        asyncio.run(self._echo_many())

    def test_12_raw_context_takeover_many_messages(self):
        c = self.raw(extensions="permessage-deflate; client_max_window_bits")
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        inflater = zlib.decompressobj(-15)  # server context takeover: one inflater for all
        for i in range(50):
            text = ("hello compressed world %d " % i) * 20
            c.send_frame(OP_TEXT, deflate_message(text.encode(), z), rsv=4)
            self.assertEqual(inflated_payload(c.recv_frame(), inflater), (OP_TEXT, text.encode()))
        c.close()

    def test_13_raw_server_no_context_takeover_each_reply_stands_alone(self):
        c = self.raw(extensions="permessage-deflate; server_no_context_takeover")
        name, params = extension_params(c.response_headers.get("sec-websocket-extensions", ""))
        self.assertEqual(name, "permessage-deflate")
        self.assertIn("server_no_context_takeover", params)
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        text = b"the same compressible sentence, again and again. " * 20
        for _ in range(5):
            c.send_frame(OP_TEXT, deflate_message(text, z), rsv=4)
            # A fresh inflater for every reply: only valid if the server reset its context.
            self.assertEqual(inflated_payload(c.recv_frame(), zlib.decompressobj(-15)), (OP_TEXT, text))
        c.close()

    def test_13_raw_client_no_context_takeover_fresh_compressor_per_message(self):
        c = self.raw(extensions="permessage-deflate; client_no_context_takeover")
        inflater = zlib.decompressobj(-15)
        for i in range(10):
            text = b"fresh compressor for every message %d " % i * 10
            c.send_frame(OP_TEXT, deflate_message(text, zlib.compressobj(6, zlib.DEFLATED, -15)), rsv=4)
            self.assertEqual(inflated_payload(c.recv_frame(), inflater), (OP_TEXT, text))
        c.close()

    def test_13_raw_client_max_window_bits_9_honoured_by_server(self):
        c = self.raw(extensions="permessage-deflate; server_max_window_bits=9")
        name, params = extension_params(c.response_headers.get("sec-websocket-extensions", ""))
        self.assertEqual(params.get("server_max_window_bits"), "9")
        inflater = zlib.decompressobj(-9)  # fails on back references beyond 512 bytes
        for i in range(5):
            text = os.urandom(300).hex().encode() * 4  # repeats at 600-byte distance
            c.send_frame(OP_TEXT, deflate_message(text, zlib.compressobj(6, zlib.DEFLATED, -15)), rsv=4)
            self.assertEqual(inflated_payload(c.recv_frame(), inflater), (OP_TEXT, text))
        c.close()

    def test_13_uncompressed_message_on_a_deflate_connection(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_TEXT, "not compressed")  # RSV1 clear: a plain message is allowed
        self.assertEqual(inflated_payload(c.recv_frame()), (OP_TEXT, b"not compressed"))
        c.close()

    def test_13_compressed_fragmented_with_ping_between(self):
        c = self.raw(extensions="permessage-deflate")
        z = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate_message(b"fragmented and compressed " * 10, z)
        c.send_frame(OP_TEXT, body[:7], fin=False, rsv=4)
        c.send_frame(OP_PING, "between")
        c.send_frame(OP_CONT, body[7:])
        self.assertEqual(c.recv_frame()[2:], (OP_PONG, b"between"))
        self.assertEqual(inflated_payload(c.recv_frame()), (OP_TEXT, b"fragmented and compressed " * 10))
        c.close()

    def test_13_compressed_invalid_utf8_fails_1007(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_TEXT, deflate_message(b"ok \xed\xa0\x80", zlib.compressobj(6, zlib.DEFLATED, -15)), rsv=4)
        self.assertEqual(c.expect_close(), 1007)
        c.close()

    def test_13_corrupt_compressed_data(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_TEXT, b"\xff\xff\xff\xff garbage", rsv=4)
        self.assertIn(c.expect_close(), (1007, 1002))
        c.close()

    def test_13_rsv1_on_continuation_frame_fails(self):
        c = self.raw(extensions="permessage-deflate")
        body = deflate_message(b"abc" * 50, zlib.compressobj(6, zlib.DEFLATED, -15))
        c.send_frame(OP_TEXT, body[:4], fin=False, rsv=4)
        c.send_frame(OP_CONT, body[4:], rsv=4)
        self.assertEqual(c.expect_close(), 1002)
        c.close()

    def test_13_rsv1_on_control_frame_fails(self):
        c = self.raw(extensions="permessage-deflate")
        c.send_frame(OP_PING, b"", rsv=4)
        self.assertEqual(c.expect_close(), 1002)
        c.close()


def _websockets_case(kwargs):
    def case(self):
        from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
        asyncio.run(self._echo_many(extensions=[ClientPerMessageDeflateFactory(**kwargs)], compression=None))
    return case


for _i, (_label, _kwargs) in enumerate((
        ("client_no_context_takeover", dict(client_no_context_takeover=True)),
        ("server_no_context_takeover", dict(server_no_context_takeover=True)),
        ("both_no_context_takeover", dict(client_no_context_takeover=True, server_no_context_takeover=True)),
        ("server_max_window_bits_9", dict(server_max_window_bits=9)),
        ("client_max_window_bits_9", dict(client_max_window_bits=9)),
        ("server_10_client_12_window_bits", dict(server_max_window_bits=10, client_max_window_bits=12)),
        ("server_15_client_15_no_takeover", dict(server_max_window_bits=15, client_max_window_bits=15,
                                                 server_no_context_takeover=True))), start=2):
    add_case(Compression, f"13_{_i}_websockets_{_label}", _websockets_case(_kwargs))


if __name__ == "__main__":
    main("Conformance")
