"""Authentication against the real binary (docs/security.md): an attack suite of connection
tokens over the wire, valid tokens of every algorithm (minted here: hmac for HS*, the openssl
command line for RS*, ES* and EdDSA), refresh before exp and the 4004 close without it,
private channels with subscription tokens, a namespace that forbids publishing, and
`Authorization: Bearer` on the upgrade (accepted: connected at once and reachable through
POST /api/send; refused: HTTP 401 with the protocol's error code). The server's whole log
output is checked for token strings at the end."""
import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest

import websockets

from wshub_testlib import Server, main, needs_own_server, parse_http_response, read_until_close

SECRET = "auth-test-hmac-secret-of-32-bytes-or-more"
API_KEY = "auth-test-api-key-0123456789"
AUDIENCE = "wshub-tests"
ISSUER = "https://issuer.test"
HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}

# Every token this file sends: none may appear in the server's log.
SENT_TOKENS = []


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def claims(sub="alice", ttl=3600, **extra):
    now = int(time.time())
    c = {"sub": sub, "exp": now + ttl, "iat": now, "aud": AUDIENCE, "iss": ISSUER}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def der_to_raw(der, size):
    """An ECDSA DER signature (SEQUENCE of two INTEGERs) as JWS R || S (RFC 7518 §3.4)."""
    i = 2 if der[1] < 0x80 else 3
    r_len = der[i + 1]
    r = der[i + 2:i + 2 + r_len]
    i += 2 + r_len
    s_len = der[i + 1]
    s = der[i + 2:i + 2 + s_len]
    return r.lstrip(b"\0").rjust(size, b"\0") + s.lstrip(b"\0").rjust(size, b"\0")


class Keys:
    """Key pairs made once for the file with `openssl genpkey`."""

    def __init__(self, directory):
        self.dir = directory
        self.private = {}
        specs = {
            "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            "rsa-other": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            "ec256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "ec384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "ed": ["-algorithm", "ED25519"],
        }
        for name, spec in specs.items():
            key = os.path.join(directory, name + ".key")
            openssl("genpkey", *spec, "-out", key)
            openssl("pkey", "-in", key, "-pubout", "-out", os.path.join(directory, name + ".pem"))
            self.private[name] = key

    def pem(self, name):
        return os.path.join(self.dir, name + ".pem")

    def public_key_files(self):
        # Kids select the key; "rsa-other" is deliberately not configured (the wrong-key case).
        return [f"{kid}={self.pem(kid)}" for kid in ("rsa", "ec256", "ec384", "ed")]

    def sign(self, alg, signing_input, key=None, secret=SECRET):
        data = signing_input.encode()
        if alg.startswith("HS"):
            return hmac.new(secret if isinstance(secret, bytes) else secret.encode(), data, HASHES[alg[2:]]).digest()
        if alg.startswith("RS"):
            return openssl("dgst", "-sha" + alg[2:], "-sign", self.private[key or "rsa"], "-binary", data=data)
        if alg.startswith("ES"):
            der = openssl("dgst", "-sha" + alg[2:], "-sign", self.private[key or "ec" + alg[2:]], "-binary", data=data)
            return der_to_raw(der, 32 if alg == "ES256" else 48)
        if alg == "EdDSA":
            with tempfile.NamedTemporaryFile(dir=self.dir) as f:
                f.write(data)
                f.flush()
                return openssl("pkeyutl", "-sign", "-inkey", self.private[key or "ed"], "-rawin", "-in", f.name)
        raise ValueError(alg)

    def token(self, body, alg="HS256", kid=None, key=None, secret=SECRET):
        header = {"alg": alg, "typ": "JWT"}
        if kid:
            header["kid"] = kid
        signing_input = part(header) + "." + part(body)
        return signing_input + "." + b64url(self.sign(alg, signing_input, key=key, secret=secret))


def sent(token):
    SENT_TOKENS.append(token)
    return token


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_type(ws, wanted, timeout=5):
    while True:
        msg = await recv_json(ws, timeout)
        if msg["type"] == wanted:
            return msg


async def closed_code(ws, timeout=5):
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed:
        return ws.close_code


@needs_own_server
class Auth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wshub-auth-")
        cls.keys = Keys(cls.tmp.name)
        cls.server = Server({
            "log": {"level": "debug"},  # the most the server ever says, for the token check
            "api": {"key": API_KEY},
            "auth": {"hmac_secret": SECRET, "public_key_file": cls.keys.public_key_files(),
                     "audience": AUDIENCE, "issuer": ISSUER},
            "client": {"allow_anonymous": False},
            "channels": {"subscribe": "authenticated", "publish": "authenticated"},
            "namespaces": {
                "private": {"subscribe": "token", "publish": "token"},
                "news": {"subscribe": "authenticated", "publish": "nobody"},
            },
        }, workers=2).start()
        cls.url = cls.server.url("/websocket")

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        log = cls.server.output()
        cls.tmp.cleanup()
        assert code == 0, f"wshub exit code {code}\n{log}"
        # No token, nor any token's signature, anywhere in what the server wrote.
        for token in SENT_TOKENS:
            pieces = [token[:4096]] + [p for p in token.split(".")[2:3] if len(p) >= 16]
            for piece in pieces:
                assert piece not in log, f"a token appears in the server log: {piece[:40]}..."

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            print(f"\n--- wshub log (tail) after {self.id()} ---\n{self.server.output()[-4000:]}")
        return outcome

    def token(self, body=None, **kw):
        return sent(self.keys.token(body if body is not None else claims(), **kw))

    async def connect(self, token, headers=None):
        ws = await websockets.connect(self.url, extra_headers=headers or {})
        await ws.send(json.dumps({"type": "connect", "id": 1, "token": token}))
        return ws, await recv_json(ws)

    async def refused(self, token):
        """(error code, message, disconnect code, close code) for a connect with `token`."""
        ws, reply = await self.connect(token)
        notice = await recv_json(ws)
        return reply.get("code"), reply.get("message"), notice.get("code"), await closed_code(ws)

    # --- the attack suite ---------------------------------------------------------------

    def test_attack_tokens_are_refused_with_documented_codes(self):
        k = self.keys
        good = claims()
        h_none, h_hs = part({"alg": "none", "typ": "JWT"}), part({"alg": "HS256", "typ": "JWT"})
        malformed_json_input = h_hs + "." + b64url(b'{"sub":"alice","exp":')
        malformed_json = malformed_json_input + "." + b64url(k.sign("HS256", malformed_json_input))
        valid = k.token(good)
        cases = {
            "alg none": (h_none + "." + part(good) + ".", 101, "unsupported token algorithm"),
            "alg None with a signature": (part({"alg": "None"}) + "." + part(good) + "." + b64url(b"x" * 32),
                                          101, "unsupported token algorithm"),
            "unsigned": (h_hs + "." + part(good) + ".", 101, "bad token signature"),
            "two parts": (h_hs + "." + part(good), 101, "malformed token"),
            "wrong hmac secret": (k.token(good, secret="another-secret-of-32-bytes-or-more!!"), 101,
                                  "bad token signature"),
            "wrong rsa key": (k.token(good, alg="RS256", kid="rsa", key="rsa-other"), 101, "bad token signature"),
            "rsa key of no kid we know": (k.token(good, alg="RS256", kid="nobody", key="rsa"), 101,
                                          "unknown token kid"),
            # HS256 "signed" with the RSA public key's PEM bytes: HS* only ever checks HMAC
            # secrets; naming the RSA key's kid does not fall back to other keys.
            "RS/HS confusion": (k.token(good, alg="HS256", secret=open(k.pem("rsa"), "rb").read()), 101,
                                "bad token signature"),
            "RS/HS confusion with the rsa kid": (k.token(good, alg="HS256", kid="rsa",
                                                         secret=open(k.pem("rsa"), "rb").read()),
                                                 101, "no key for the token's algorithm"),
            "tampered claims": (valid.split(".")[0] + "." + part(claims(sub="mallory")) + "." + valid.split(".")[2],
                                101, "bad token signature"),
            "not yet valid": (k.token(claims(nbf=int(time.time()) + 3600)), 101, "token not yet valid (nbf)"),
            "issued in the future": (k.token(claims(iat=int(time.time()) + 3600)), 101,
                                     "token issued in the future (iat)"),
            "wrong audience": (k.token(claims(aud="someone-else")), 101, "token audience mismatch"),
            "wrong issuer": (k.token(claims(iss="https://evil.test")), 101, "token issuer mismatch"),
            "no exp": (k.token(claims(exp=None)), 101, "token has no exp"),
            "no sub": (k.token(claims(sub=None)), 101, "token has no sub"),
            "subscription token": (k.token(claims(channel="private:x")), 101,
                                   "subscription token used as a connection token"),
            "malformed base64": (valid[:5] + "*" + valid[6:], 101, "malformed token"),
            "base64 with padding": (valid.split(".")[0] + "=." + ".".join(valid.split(".")[1:]), 101,
                                    "malformed token"),
            "malformed header json": (b64url(b'{"alg":') + "." + part(good) + ".c2ln", 101, "malformed token header"),
            "malformed claims json": (malformed_json, 101, "malformed token claims"),
            # 1 MiB: refused by length before any decoding (the connect message itself is
            # well under websocket.max_message_size, so the answer is the token's).
            "1 MiB": (h_hs + "." + "A" * (1 << 20) + ".c2ln", 101, "token too large"),
            "ES256 signature in DER": (None, 101, "bad token signature"),
        }
        der_input = part({"alg": "ES256", "kid": "ec256"}) + "." + part(good)
        der = openssl("dgst", "-sha256", "-sign", k.private["ec256"], "-binary", data=der_input.encode())
        cases["ES256 signature in DER"] = (der_input + "." + b64url(der),) + cases["ES256 signature in DER"][1:]

        async def go():
            names = list(cases)
            results = await asyncio.gather(*(self.refused(sent(cases[n][0])) for n in names))
            for name, got in zip(names, results):
                _, code, message = cases[name]
                self.assertEqual(got, (code, message, 4001, 4001), name)
            # Expired: 109, and the close says "get a new token" (4004, reconnect true).
            ws, reply = await self.connect(self.token(claims(ttl=-60)))
            self.assertEqual((reply["type"], reply["code"], reply["message"]), ("error", 109, "token expired"))
            notice = await recv_json(ws)
            self.assertEqual((notice["code"], notice["reconnect"]), (4004, True))
            self.assertEqual(await closed_code(ws), 4004)
        asyncio.run(go())

    def test_valid_tokens_of_every_algorithm(self):
        algs = {"HS256": None, "HS384": None, "HS512": None, "RS256": "rsa", "RS384": "rsa", "RS512": "rsa",
                "ES256": "ec256", "ES384": "ec384", "EdDSA": "ed"}
        tokens = {alg: self.token(claims(sub="user-" + alg), alg=alg, kid=kid) for alg, kid in algs.items()}
        # Without kid, every key of the type is a candidate.
        tokens["ES256 without kid"] = self.token(claims(sub="user-ES256-nokid"), alg="ES256")

        async def go():
            async def one(name):
                ws, reply = await self.connect(tokens[name])
                await ws.close()
                return reply
            replies = await asyncio.gather(*(one(n) for n in tokens))
            for name, reply in zip(tokens, replies):
                self.assertEqual(reply["type"], "connected", (name, reply))
                self.assertEqual(reply["user"], json.loads(base64.urlsafe_b64decode(
                    tokens[name].split(".")[1] + "==="))["sub"], name)
        asyncio.run(go())

    # --- expiry and refresh -------------------------------------------------------------

    def test_refresh_keeps_the_connection_and_no_refresh_closes_4004(self):
        async def refreshed():
            ws, reply = await self.connect(self.token(claims(sub="refresher", ttl=2)))
            self.assertEqual(reply["type"], "connected")
            first_exp = int(time.time()) + 2
            self.assertEqual(await recv_json(ws, 3), {"type": "refresh_required"})
            self.assertLess(time.time(), first_exp)  # before exp, not at it
            await ws.send(json.dumps({"type": "refresh", "id": 2, "token": self.token(claims(sub="refresher",
                                                                                                ttl=30))}))
            self.assertEqual(await recv_json(ws), {"type": "refreshed", "id": 2})
            await asyncio.sleep(max(0.0, first_exp + 0.7 - time.time()))  # past the first exp
            await ws.send(json.dumps({"type": "ping", "id": 3}))
            self.assertEqual(await recv_json(ws), {"type": "pong", "id": 3})
            await ws.send(json.dumps({"type": "subscribe", "id": 4, "channel": "lobby"}))
            self.assertEqual((await recv_json(ws))["type"], "subscribed")
            await ws.close()

        async def expires():
            ws, reply = await self.connect(self.token(claims(sub="sleeper", ttl=2)))
            self.assertEqual(reply["type"], "connected")
            exp = int(time.time()) + 2
            self.assertEqual(await recv_json(ws, 3), {"type": "refresh_required"})
            notice = await recv_json(ws, 3)
            self.assertEqual(notice, {"type": "disconnect", "code": 4004, "reason": "token expired",
                                      "reconnect": True})
            self.assertGreaterEqual(time.time(), exp - 0.05)  # not before exp (clock granularity aside)
            self.assertEqual(await closed_code(ws), 4004)

        async def bad_refresh_then_expiry():
            # A refused refresh (another user) closes 4001; an expired one only gets 109.
            ws, _ = await self.connect(self.token(claims(sub="retrier", ttl=2)))
            await ws.send(json.dumps({"type": "refresh", "id": 2, "token": self.token(claims(sub="retrier",
                                                                                                ttl=-60))}))
            self.assertEqual((await recv_type(ws, "error"))["code"], 109)
            self.assertEqual((await recv_type(ws, "disconnect", 4))["code"], 4004)
            other, _ = await self.connect(self.token(claims(sub="switcher", ttl=60)))
            await other.send(json.dumps({"type": "refresh", "id": 2, "token": self.token(claims(sub="mallory"))}))
            self.assertEqual((await recv_json(other))["code"], 101)
            self.assertEqual(await closed_code(other), 4001)

        async def go():
            await asyncio.gather(refreshed(), expires(), bad_refresh_then_expiry())
        asyncio.run(go())

    # --- channels -----------------------------------------------------------------------

    def test_private_channel_needs_a_subscription_token(self):
        async def go():
            ws, _ = await self.connect(self.token(claims(sub="alice")))
            requests = [
                ({"channel": "private:room"}, 103),
                ({"channel": "private:room", "token": self.token(claims(sub="alice", channel="private:other"))},
                 103),
                ({"channel": "private:room", "token": self.token(claims(sub="bob", channel="private:room"))}, 103),
                ({"channel": "private:room", "token": self.token(claims(sub="alice", channel="private:room",
                                                                        ttl=-60))}, 109),
                ({"channel": "private:room", "token": self.token(claims(sub="alice", channel="private:room"),
                                                                 secret="another-secret-of-32-bytes-or-more!!")},
                 103),
            ]
            for i, (fields, code) in enumerate(requests):
                await ws.send(json.dumps({"type": "subscribe", "id": 10 + i, **fields}))
                reply = await recv_json(ws)
                self.assertEqual((reply["type"], reply["id"], reply["code"]), ("error", 10 + i, code), reply)
            await ws.send(json.dumps({"type": "subscribe", "id": 20, "channel": "private:room",
                                      "token": self.token(claims(sub="alice", channel="private:room"))}))
            self.assertEqual((await recv_json(ws))["type"], "subscribed")
            await ws.send(json.dumps({"type": "publish", "id": 21, "channel": "private:room", "payload": "hi"}))
            self.assertEqual((await recv_type(ws, "ack"))["id"], 21)
            # The connection token's `channels` claim grants without a subscription token.
            granted, _ = await self.connect(self.token(claims(sub="carol", channels=["private:room"])))
            await granted.send(json.dumps({"type": "subscribe", "id": 2, "channel": "private:room"}))
            self.assertEqual((await recv_json(granted))["type"], "subscribed")
            for c in (ws, granted):
                await c.close()
        asyncio.run(go())

    def test_namespace_that_forbids_publishing(self):
        async def go():
            ws, _ = await self.connect(self.token(claims(sub="reader")))
            await ws.send(json.dumps({"type": "subscribe", "id": 1, "channel": "news:today"}))
            self.assertEqual((await recv_json(ws))["type"], "subscribed")
            await ws.send(json.dumps({"type": "publish", "id": 2, "channel": "news:today", "payload": "fake"}))
            reply = await recv_json(ws)
            self.assertEqual((reply["type"], reply["id"], reply["code"]), ("error", 2, 103))
            # The back-end still publishes there.
            status, body = await asyncio.to_thread(api_call, self.server.port, "publish",
                                                   {"channel": "news:today", "type": "news", "payload": "real"})
            self.assertEqual(status, 200, body)
            pushed = await recv_type(ws, "news")
            self.assertEqual(pushed["payload"], "real")
            await ws.close()
        asyncio.run(go())

    # --- Authorization: Bearer on the upgrade -------------------------------------------

    def test_bearer_upgrade_is_connected_at_once_and_reachable_by_user(self):
        async def go():
            token = self.token(claims(sub="service-42"), alg="ES256", kid="ec256")
            ws = await websockets.connect(self.url, extra_headers={"Authorization": "Bearer " + token})
            # No connect: the first request is served.
            await ws.send(json.dumps({"type": "subscribe", "id": 1, "channel": "lobby"}))
            self.assertEqual((await recv_json(ws))["type"], "subscribed")
            status, body = await asyncio.to_thread(api_call, self.server.port, "send",
                                                   {"user": "service-42", "type": "job", "payload": {"n": 1}})
            self.assertEqual(status, 200, body)
            self.assertEqual(await recv_json(ws), {"type": "job", "payload": {"n": 1}})
            # A later connect changes nothing and is refused (documented: 107).
            await ws.send(json.dumps({"type": "connect", "id": 2, "token": token}))
            reply = await recv_json(ws)
            self.assertEqual((reply["type"], reply["code"], reply["message"]), ("error", 107, "already connected"))
            await ws.send(json.dumps({"type": "ping", "id": 3}))
            self.assertEqual(await recv_json(ws), {"type": "pong", "id": 3})
            # Another scheme is not ours: the connection is just not authenticated yet.
            basic = await websockets.connect(self.url, extra_headers={"Authorization": "Basic dXNlcjpwYXNz"})
            await basic.send(json.dumps({"type": "subscribe", "id": 1, "channel": "lobby"}))
            self.assertEqual((await recv_json(basic))["code"], 114)
            for c in (ws, basic):
                await c.close()
        asyncio.run(go())

    def test_bearer_with_exp_gets_refresh_required_then_4004(self):
        async def go():
            ws = await websockets.connect(self.url, extra_headers={
                "Authorization": "Bearer " + self.token(claims(sub="short-service", ttl=2), alg="EdDSA", kid="ed")})
            self.assertEqual(await recv_json(ws, 3), {"type": "refresh_required"})
            self.assertEqual((await recv_json(ws, 3))["code"], 4004)
            self.assertEqual(await closed_code(ws), 4004)
        asyncio.run(go())

    def test_bearer_refused_with_401_json(self):
        k = self.keys
        cases = {
            "bad signature": ("Bearer " + sent(k.token(claims(), secret="another-secret-of-32-bytes-or-more!!")),
                              401, 101, "bad token signature"),
            "alg none": ("Bearer " + sent(part({"alg": "none"}) + "." + part(claims()) + "."), 401, 101,
                         "unsupported token algorithm"),
            "expired": ("Bearer " + self.token(claims(ttl=-60)), 401, 109, "token expired"),
            "wrong audience": ("bearer " + self.token(claims(aud="x")), 401, 101, "token audience mismatch"),
            "empty": ("Bearer ", 401, 101, "empty Bearer token"),
            # Over http.max_header_bytes (8 KiB): refused by the HTTP parser before anyone
            # looks at it, 431 (docs/security.md).
            "1 MiB": ("Bearer " + sent("eyJ" + "A" * (1 << 20)), 431, 431, None),
        }
        for name, (value, status, code, message) in cases.items():
            got_status, headers, body = upgrade_request(self.server.port, {"Authorization": value})
            self.assertEqual(got_status, status, name)
            error = json.loads(body)["error"]
            self.assertEqual(error["code"], code, name)
            if message:
                self.assertEqual(error["message"], message, name)
                self.assertEqual(headers.get("www-authenticate"), 'Bearer error="invalid_token"', name)
            self.assertEqual(headers.get("connection"), "close", name)
        status, _, _ = upgrade_request(self.server.port, {"Authorization": "Bearer a"},
                                       extra_lines=["Authorization: Bearer b"])
        self.assertEqual(status, 401)
        # Each refusal is logged with its reason, never with the token (checked at the end).
        deadline = time.monotonic() + 2
        while "Bearer token rejected (101 bad token signature)" not in self.server.output():
            self.assertLess(time.monotonic(), deadline, "no log line for a refused Bearer token")
            time.sleep(0.05)


def api_call(port, method, params):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", f"/api/{method}", body=json.dumps(params),
                     headers={"Authorization": f"apikey {API_KEY}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def upgrade_request(port, headers, extra_lines=()):
    """A WebSocket upgrade of /websocket that is expected to be refused: (status, headers, body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /websocket HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in headers.items()] + list(extra_lines)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return parse_http_response(read_until_close(sock, 5))
    finally:
        sock.close()


if __name__ == "__main__":
    main("Auth")
