"""One virtual YubiKey 5 on one vpcd slot.

    PYTHONPATH=e2e/peers python3 -m vyubikey.emulator --port PORT --state STATE.json [--log LOG.jsonl]

The process connects (as TCP client) to the vpcd driver loaded by pcscd on
127.0.0.1:PORT and answers its frames: 2-byte big-endian length + payload; a
1-byte payload is a control message (0 power off, 1 power on, 2 reset,
4 "send ATR"), a longer one is a command APDU answered with data + SW1 SW2.
If the connection drops (pcscd restarted) it reconnects until killed.
Killing the process = pulling the key out.

Applets (AIDs are matched like a card does: the SELECT data may be a prefix
of the full AID):
  OATH        A0 00 00 05 27 21 01 (01)   YKOATH as on a YubiKey 5
  Management  A0 00 00 05 27 47 11 17     SELECT -> version string,
                                           READ CONFIG (INS 1D) -> device info
  anything else -> 6A82

State file (JSON; the test writes it, the emulator re-reads it whenever it
changes on disk and writes its own changes back atomically, temp + rename):

  serial          int, e.g. 12345678
  version         "5.4.3"
  form_factor     int, 1 = USB-A keychain (default)
  usb_supported   int capability mask (default 0x023B), usb_enabled likewise
  salt            hex, 8 bytes: OATH "name"/salt in SELECT; the device id
                  ykman shows is base64(sha256(salt)[:16]). Generated if absent.
  password_key    hex (16-byte PBKDF2-SHA1 key, as SET CODE receives it) or null
  password        convenience: a clear-text password; turned into password_key
                  (PBKDF2-SHA1, 1000 rounds, salt) on load and removed
  touch           "auto"  - a touch credential answers after touch_delay (0.05 s)
                  "never" - wait touch_timeout, then SW 6982
                  "file"  - wait until STATE.touch exists (then delete it);
                            none within touch_timeout -> SW 6982
                  While waiting ("never"/"file") STATE.touch.wait exists, so a
                  test knows the key is blinking.
  touch_timeout   seconds (default 1.0; a real key waits ~15 s)
  touch_delay     seconds for "auto" (default 0.05)
  max_response    bytes of response data per APDU before chaining with 61xx
                  (default 255, what fits a short-APDU response)
  max_credentials default 32 (YubiKey 5 before 5.7); PUT beyond -> 6A84
  latency         seconds added to every APDU (default 0)
  force_sw        {"A2": "6F00", ...}: answer that OATH INS with this SW
  credentials     list of objects:
      name       credential id as stored on the key, e.g.
                 "Amazon Web Services:alice@acme" or "60/Issuer:acct"
                 (the period is only encoded in the name, as with ykman)
      type       "TOTP" | "HOTP"
      algorithm  "SHA1" | "SHA256" | "SHA512"
      digits     6 | 8
      touch      bool (require touch)
      secret     hex; stored as given by PUT (padded to >= 14 bytes)
      counter    HOTP moving factor (persisted after each HOTP calculation)
      period     informational only (the card never knows the period)

Status words follow the YKOATH specification and yubikit's handling:
  6982 security condition not satisfied: auth required (password set, not
       validated) AND touch not given in time (ykman's "Touch account timed out!")
  6984 no such object (DELETE/CALCULATE/RENAME of a missing name) and
       VALIDATE with a wrong response (wrong password)
  6A80 wrong syntax   6A84 no space   6D00 unknown INS   6E00 bad CLA
  61xx more data: fetch with SEND REMAINING (INS A5; C0 on Management)
"""

import argparse
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

ATR = bytes.fromhex("3bfd1300008131fe158073c021c057597562694b657940")

AID_OATH = bytes.fromhex("a000000527210101")
AID_MGMT = bytes.fromhex("a000000527471117")
AID_OTP = bytes.fromhex("a0000005272001")
MIN_AID_LEN = 5

# YKOATH tags
T_NAME, T_NAME_LIST, T_KEY, T_CHALLENGE = 0x71, 0x72, 0x73, 0x74
T_RESPONSE, T_TRUNCATED, T_HOTP, T_PROPERTY = 0x75, 0x76, 0x77, 0x78
T_VERSION, T_IMF, T_ALGORITHM, T_TOUCH = 0x79, 0x7A, 0x7B, 0x7C

# YKOATH instructions
I_PUT, I_DELETE, I_SET_CODE, I_RESET, I_RENAME = 0x01, 0x02, 0x03, 0x04, 0x05
I_LIST, I_CALCULATE, I_VALIDATE, I_CALC_ALL, I_SEND_REM = 0xA1, 0xA2, 0xA3, 0xA4, 0xA5
I_SELECT = 0xA4  # with P1 = 04
I_GET_RESPONSE = 0xC0
I_READ_CONFIG = 0x1D

TYPES = {"HOTP": 0x10, "TOTP": 0x20}
ALGOS = {"SHA1": 0x01, "SHA256": 0x02, "SHA512": 0x03}
HASHES = {0x01: hashlib.sha1, 0x02: hashlib.sha256, 0x03: hashlib.sha512}
PROP_TOUCH = 0x02

SW_OK = 0x9000
SW_AUTH_REQUIRED = 0x6982  # also "touch timed out"
SW_NO_SUCH_OBJECT = 0x6984
SW_WRONG_RESPONSE = 0x6984
SW_COND_NOT_SAT = 0x6985
SW_WRONG_SYNTAX = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_NO_SPACE = 0x6A84
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_WRONG_LENGTH = 0x6700


class CardError(Exception):
    def __init__(self, sw):
        super().__init__("SW %04X" % sw)
        self.sw = sw


def log(msg):
    sys.stderr.write("vyubikey[%d]: %s\n" % (os.getpid(), msg))
    sys.stderr.flush()


# ---------------------------------------------------------------- TLV helpers

def tlv(tag, value=b""):
    n = len(value)
    if n < 0x80:
        head = bytes([tag, n])
    elif n <= 0xFF:
        head = bytes([tag, 0x81, n])
    else:
        head = bytes([tag, 0x82]) + struct.pack(">H", n)
    return head + value


def parse_tlvs(data):
    """List of (tag, value). Knows that tag 0x78 (property) has no length byte."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag == T_PROPERTY:
            if i >= len(data):
                raise CardError(SW_WRONG_SYNTAX)
            out.append((tag, data[i:i + 1]))
            i += 1
            continue
        if i >= len(data):
            raise CardError(SW_WRONG_SYNTAX)
        n = data[i]
        i += 1
        if n == 0x81:
            n = data[i]
            i += 1
        elif n == 0x82:
            n = struct.unpack(">H", data[i:i + 2])[0]
            i += 2
        elif n > 0x82:
            raise CardError(SW_WRONG_SYNTAX)
        if i + n > len(data):
            raise CardError(SW_WRONG_SYNTAX)
        out.append((tag, data[i:i + n]))
        i += n
    return out


def first(tlvs, tag, required=True):
    for t, v in tlvs:
        if t == tag:
            return v
    if required:
        raise CardError(SW_WRONG_SYNTAX)
    return None


def parse_apdu(apdu):
    """(cla, ins, p1, p2, data); short and extended encodings."""
    if len(apdu) < 4:
        raise CardError(SW_WRONG_LENGTH)
    cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
    body = apdu[4:]
    if len(body) <= 1:  # case 1 / case 2 short (Le only)
        return cla, ins, p1, p2, b""
    if body[0] == 0 and len(body) >= 3:  # extended
        if len(body) == 3:  # case 2 extended: Le only
            return cla, ins, p1, p2, b""
        lc = struct.unpack(">H", body[1:3])[0]
        data = body[3:3 + lc]
        if len(data) != lc:
            raise CardError(SW_WRONG_LENGTH)
        return cla, ins, p1, p2, data
    lc = body[0]
    data = body[1:1 + lc]
    if len(data) != lc or len(body) not in (1 + lc, 2 + lc):
        raise CardError(SW_WRONG_LENGTH)
    return cla, ins, p1, p2, data


# ---------------------------------------------------------------- state file

class State:
    def __init__(self, path):
        self.path = path
        self.touch_path = path + ".touch"
        self.data = {}
        self._stamp = None
        self.load()

    def _file_stamp(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self):
        with open(self.path) as f:
            self.data = json.load(f)
        self._stamp = self._file_stamp()
        d = self.data
        changed = False
        if not d.get("salt"):
            d["salt"] = os.urandom(8).hex()
            changed = True
        if d.get("password"):
            key = hashlib.pbkdf2_hmac("sha1", d["password"].encode(),
                                      bytes.fromhex(d["salt"]), 1000, 16)
            d["password_key"] = key.hex()
            d["password_algorithm"] = "SHA1"
            del d["password"]
            changed = True
        d.setdefault("credentials", [])
        if changed:
            self.save()

    def refresh(self):
        """Re-read the file if somebody else (the test) replaced it."""
        stamp = self._file_stamp()
        if stamp is not None and stamp != self._stamp:
            try:
                self.load()
            except (ValueError, OSError) as e:  # half-written by a careless writer
                log("state reload failed: %s" % e)

    def save(self):
        tmp = "%s.tmp.%d" % (self.path, os.getpid())
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path)
        self._stamp = self._file_stamp()

    def get(self, key, default=None):
        v = self.data.get(key)
        return default if v is None else v


# ---------------------------------------------------------------- the card

def hotp_bytes(secret, algo, message):
    return hmac.new(secret, message, HASHES[algo]).digest()


def truncate(digest):
    off = digest[-1] & 0x0F
    return struct.unpack(">I", digest[off:off + 4])[0] & 0x7FFFFFFF


def version_tuple(s):
    return tuple(int(x) for x in s.split("."))


class VirtualYubiKey:
    def __init__(self, state, apdu_log=None):
        self.state = state
        self.apdu_log = apdu_log
        self.power_on()

    # --- volatile state
    def power_on(self):
        self.selected = None
        self.validated = False
        self.challenge = None  # the one sent in SELECT
        self.pending = b""  # unsent part of a chained response
        self.pending_ins = None
        self.chain_buf = b""  # command chaining (CLA bit 0x10)

    # --- helpers
    @property
    def d(self):
        return self.state.data

    def version(self):
        return version_tuple(self.state.get("version", "5.4.3"))

    def has_password(self):
        return bool(self.d.get("password_key"))

    def require_auth(self):
        if self.has_password() and not self.validated:
            raise CardError(SW_AUTH_REQUIRED)

    def find(self, name):
        for c in self.d["credentials"]:
            if c["name"].encode() == name:
                return c
        return None

    @staticmethod
    def cred_type(c):
        return TYPES[c.get("type", "TOTP").upper()]

    @staticmethod
    def cred_algo(c):
        return ALGOS[c.get("algorithm", "SHA1").upper()]

    def wait_for_touch(self):
        mode = self.state.get("touch", "auto")
        timeout = float(self.state.get("touch_timeout", 1.0))
        if mode == "auto":
            time.sleep(float(self.state.get("touch_delay", 0.05)))
            return
        # STATE.touch.wait exists while the key "blinks" (waits for a touch)
        waiting = self.state.touch_path + ".wait"
        with open(waiting, "w") as f:
            f.write("%d\n" % os.getpid())
        try:
            if mode == "file":
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if os.path.exists(self.state.touch_path):
                        try:
                            os.unlink(self.state.touch_path)
                        except FileNotFoundError:
                            pass
                        return
                    time.sleep(0.01)
                raise CardError(SW_AUTH_REQUIRED)
            # "never" (or anything unknown): the user does not touch
            time.sleep(timeout)
            raise CardError(SW_AUTH_REQUIRED)
        finally:
            try:
                os.unlink(waiting)
            except FileNotFoundError:
                pass

    # --- APDU entry point
    def process(self, apdu):
        self.state.refresh()
        latency = float(self.state.get("latency", 0) or 0)
        if latency:
            time.sleep(latency)
        try:
            data, sw = self._process(apdu)
        except CardError as e:
            data, sw = b"", e.sw
        if self.apdu_log:
            self._log(apdu, data, sw)
        return data + struct.pack(">H", sw)

    def _log(self, apdu, data, sw):
        entry = {"t": time.time(), "applet": self.selected, "apdu": apdu.hex(),
                 "resp": data.hex(), "sw": "%04X" % sw}
        with open(self.apdu_log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def _process(self, apdu):
        cla, ins, p1, p2, data = parse_apdu(apdu)
        if cla & ~0x10 != 0:
            raise CardError(SW_CLA_NOT_SUPPORTED)
        # SEND REMAINING / GET RESPONSE continue a chained response
        cont_ins = I_SEND_REM if self.selected == "oath" else I_GET_RESPONSE
        if ins == cont_ins and self.selected is not None and cla == 0:
            if not self.pending:
                raise CardError(SW_COND_NOT_SAT)
            return self._chunk(self.pending)
        self.pending = b""
        if cla & 0x10:  # command chaining: collect, answer 9000
            self.chain_buf += data
            return b"", SW_OK
        if self.chain_buf:
            data = self.chain_buf + data
            self.chain_buf = b""
        if ins == I_SELECT and p1 == 0x04:
            return self._chunk(self.select(data))
        if self.selected == "oath":
            forced = (self.state.get("force_sw") or {}).get("%02X" % ins)
            if forced:
                raise CardError(int(forced, 16))
            return self._chunk(self.oath(ins, p1, p2, data))
        if self.selected == "mgmt":
            return self._chunk(self.mgmt(ins, p1, p2, data))
        raise CardError(SW_INS_NOT_SUPPORTED)

    def _chunk(self, resp):
        limit = int(self.state.get("max_response", 255))
        if len(resp) <= limit:
            self.pending = b""
            return resp, SW_OK
        head, self.pending = resp[:limit], resp[limit:]
        left = len(self.pending)
        return head, 0x6100 | (left if left < 0x100 else 0x00)

    # --- SELECT
    def select(self, aid):
        if len(aid) >= MIN_AID_LEN and AID_OATH.startswith(aid):
            self.selected = "oath"
            self.validated = False
            return self.oath_select_response()
        if len(aid) >= MIN_AID_LEN and AID_MGMT.startswith(aid):
            self.selected = "mgmt"
            self.validated = False
            return self.state.get("version", "5.4.3").encode()
        # a failed SELECT leaves the current applet selected, like a card
        raise CardError(SW_NOT_FOUND)

    def oath_select_response(self):
        v = self.version()
        out = tlv(T_VERSION, bytes(v)) + tlv(T_NAME, bytes.fromhex(self.d["salt"]))
        if self.has_password():
            self.challenge = os.urandom(8)
            out += tlv(T_CHALLENGE, self.challenge)
            out += tlv(T_ALGORITHM, bytes([ALGOS[self.d.get("password_algorithm") or "SHA1"]]))
        else:
            self.challenge = None
        return out

    # --- Management
    def mgmt(self, ins, p1, p2, data):
        if ins == I_READ_CONFIG:
            d = self.state
            info = b""
            info += tlv(0x01, struct.pack(">H", int(d.get("usb_supported", 0x023B))))
            info += tlv(0x02, struct.pack(">I", int(d.get("serial", 0))))
            info += tlv(0x03, struct.pack(">H", int(d.get("usb_enabled", d.get("usb_supported", 0x023B)))))
            info += tlv(0x04, bytes([int(d.get("form_factor", 1))]))
            info += tlv(0x05, bytes(self.version()))
            info += tlv(0x06, struct.pack(">H", 0))  # auto-eject timeout
            info += tlv(0x07, bytes([15]))  # challenge-response timeout
            info += tlv(0x08, bytes([0]))  # device flags
            info += tlv(0x0A, bytes([0]))  # config not locked
            return bytes([len(info)]) + info
        raise CardError(SW_INS_NOT_SUPPORTED)

    # --- OATH
    def oath(self, ins, p1, p2, data):
        if ins == I_VALIDATE:
            return self.validate(data)
        if ins == I_RESET:
            if (p1, p2) != (0xDE, 0xAD):
                raise CardError(SW_WRONG_P1P2)
            self.d["credentials"] = []
            self.d["password_key"] = None
            self.d.pop("password_algorithm", None)
            self.d["salt"] = os.urandom(8).hex()
            self.state.save()
            self.validated = False
            self.challenge = None
            return b""
        handlers = {
            I_LIST: self.list,
            I_CALCULATE: self.calculate,
            I_CALC_ALL: self.calculate_all,
            I_PUT: self.put,
            I_DELETE: self.delete,
            I_SET_CODE: self.set_code,
            I_RENAME: self.rename,
        }
        h = handlers.get(ins)
        if h is None or (ins == I_RENAME and self.version() < (5, 3, 1)):
            raise CardError(SW_INS_NOT_SUPPORTED)
        self.require_auth()
        return h(p1, p2, data)

    def validate(self, data):
        if not self.has_password() or self.challenge is None:
            raise CardError(SW_WRONG_RESPONSE)
        t = parse_tlvs(data)
        response = first(t, T_RESPONSE)
        client_challenge = first(t, T_CHALLENGE)
        key = bytes.fromhex(self.d["password_key"])
        algo = ALGOS[self.d.get("password_algorithm") or "SHA1"]
        expected = hmac.new(key, self.challenge, HASHES[algo]).digest()
        if not hmac.compare_digest(expected, response):
            self.validated = False
            raise CardError(SW_WRONG_RESPONSE)
        self.validated = True
        self.challenge = None
        return tlv(T_RESPONSE, hmac.new(key, client_challenge, HASHES[algo]).digest())

    def set_code(self, p1, p2, data):
        t = parse_tlvs(data)
        key_field = first(t, T_KEY)
        if len(key_field) == 0:  # remove the password
            self.d["password_key"] = None
            self.d.pop("password_algorithm", None)
            self.state.save()
            self.validated = False
            return b""
        algo = key_field[0] & 0x0F
        if algo not in HASHES:
            raise CardError(SW_WRONG_SYNTAX)
        key = key_field[1:]
        challenge = first(t, T_CHALLENGE)
        response = first(t, T_RESPONSE)
        if not hmac.compare_digest(hmac.new(key, challenge, HASHES[algo]).digest(), response):
            raise CardError(SW_WRONG_SYNTAX)
        self.d["password_key"] = key.hex()
        self.d["password_algorithm"] = {v: k for k, v in ALGOS.items()}[algo]
        self.state.save()
        # The session that set the code stays usable until deselected.
        self.validated = True
        return b""

    def list(self, p1, p2, data):
        out = b""
        for c in self.d["credentials"]:
            out += tlv(T_NAME_LIST, bytes([self.cred_type(c) | self.cred_algo(c)]) + c["name"].encode())
        return out

    def put(self, p1, p2, data):
        t = parse_tlvs(data)
        name = first(t, T_NAME)
        key_field = first(t, T_KEY)
        if not name or len(name) > 64 or len(key_field) < 2:
            raise CardError(SW_WRONG_SYNTAX)
        kind, digits, secret = key_field[0] & 0xF0, key_field[1], key_field[2:]
        algo = key_field[0] & 0x0F
        if kind not in TYPES.values() or algo not in HASHES or digits not in (6, 7, 8):
            raise CardError(SW_WRONG_SYNTAX)
        block = HASHES[algo]().block_size
        # Clients pad short keys to 14 bytes and hash keys longer than the
        # block size (YKOATH spec); the card takes what fits.
        if len(secret) < 14 or len(secret) > block:
            raise CardError(SW_WRONG_SYNTAX)
        prop = first(t, T_PROPERTY, required=False)
        imf = first(t, T_IMF, required=False)
        try:
            name_s = name.decode("utf-8")
        except UnicodeDecodeError:
            raise CardError(SW_WRONG_SYNTAX)
        cred = {
            "name": name_s,
            "type": {v: k for k, v in TYPES.items()}[kind],
            "algorithm": {v: k for k, v in ALGOS.items()}[algo],
            "digits": digits,
            "secret": secret.hex(),
            "touch": bool(prop and prop[0] & PROP_TOUCH),
            "counter": struct.unpack(">I", imf.rjust(4, b"\0")[-4:])[0] if imf else 0,
        }
        existing = self.find(name)
        creds = self.d["credentials"]
        if existing is not None:
            creds[creds.index(existing)] = cred
        else:
            if len(creds) >= int(self.state.get("max_credentials", 32)):
                raise CardError(SW_NO_SPACE)
            creds.append(cred)
        self.state.save()
        return b""

    def delete(self, p1, p2, data):
        name = first(parse_tlvs(data), T_NAME)
        c = self.find(name)
        if c is None:
            raise CardError(SW_NO_SUCH_OBJECT)
        self.d["credentials"].remove(c)
        self.state.save()
        return b""

    def rename(self, p1, p2, data):
        names = [v for t, v in parse_tlvs(data) if t == T_NAME]
        if len(names) != 2 or not names[1] or len(names[1]) > 64:
            raise CardError(SW_WRONG_SYNTAX)
        c = self.find(names[0])
        if c is None:
            raise CardError(SW_NO_SUCH_OBJECT)
        if self.find(names[1]) is not None:
            raise CardError(SW_WRONG_SYNTAX)
        c["name"] = names[1].decode("utf-8")
        self.state.save()
        return b""

    def _compute(self, c, challenge):
        """Digest for a credential; HOTP uses (and advances) its counter."""
        algo = self.cred_algo(c)
        if self.cred_type(c) == TYPES["HOTP"]:
            counter = int(c.get("counter", 0))
            challenge = struct.pack(">Q", counter)
            c["counter"] = counter + 1
            self.state.save()
        return hotp_bytes(bytes.fromhex(c["secret"]), algo, challenge)

    def calculate(self, p1, p2, data):
        t = parse_tlvs(data)
        name = first(t, T_NAME)
        challenge = first(t, T_CHALLENGE, required=False) or b""
        c = self.find(name)
        if c is None:
            raise CardError(SW_NO_SUCH_OBJECT)
        if c.get("touch"):
            self.wait_for_touch()
        digest = self._compute(c, challenge)
        digits = int(c.get("digits", 6))
        if p2 & 0x01:
            return tlv(T_TRUNCATED, bytes([digits]) + struct.pack(">I", truncate(digest)))
        return tlv(T_RESPONSE, bytes([digits]) + digest)

    def calculate_all(self, p1, p2, data):
        challenge = first(parse_tlvs(data), T_CHALLENGE)
        out = b""
        for c in self.d["credentials"]:
            digits = int(c.get("digits", 6))
            out += tlv(T_NAME, c["name"].encode())
            if self.cred_type(c) == TYPES["HOTP"]:
                out += tlv(T_HOTP, bytes([digits]))
            elif c.get("touch"):
                out += tlv(T_TOUCH, bytes([digits]))
            else:
                digest = hotp_bytes(bytes.fromhex(c["secret"]), self.cred_algo(c), challenge)
                if p2 & 0x01:
                    out += tlv(T_TRUNCATED, bytes([digits]) + struct.pack(">I", truncate(digest)))
                else:
                    out += tlv(T_RESPONSE, bytes([digits]) + digest)
        return out


# ---------------------------------------------------------------- vpcd link

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("vpcd closed the connection")
        buf += chunk
        # vpcd writes the length and the APDU separately without TCP_NODELAY, so Nagle holds the
        # APDU until our ACK, which delayed ACK would hold for ~40 ms: acknowledge at once.
        # (TCP_QUICKACK is not sticky: set it again after every read.)
        if hasattr(socket, "TCP_QUICKACK"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    return buf


def send_frame(sock, payload):
    sock.sendall(struct.pack(">H", len(payload)) + payload)


DEBUG = bool(os.environ.get("VYUBIKEY_DEBUG"))


def serve(sock, card):
    while True:
        (n,) = struct.unpack(">H", recv_exact(sock, 2))
        msg = recv_exact(sock, n) if n else b""
        if DEBUG:
            log("<- %s" % msg.hex())
        if n == 1:
            ctl = msg[0]
            if ctl in (0, 1, 2):  # power off / on / reset: no answer
                card.power_on()
            elif ctl == 4:
                send_frame(sock, ATR)
            else:
                log("unknown control byte %d" % ctl)
            continue
        if n == 0:
            continue
        send_frame(sock, card.process(msg))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--state", required=True)
    ap.add_argument("--log", help="append one JSON line per APDU to this file")
    args = ap.parse_args(argv)

    state = State(args.state)
    card = VirtualYubiKey(state, apdu_log=args.log)
    while True:
        try:
            sock = socket.create_connection((args.host, args.port), timeout=2)
        except OSError:
            time.sleep(0.1)  # pcscd / vpcd not (yet) listening
            continue
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        card.power_on()
        try:
            serve(sock, card)
        except (ConnectionError, OSError) as e:
            log("link lost: %s; reconnecting" % e)
        finally:
            sock.close()
        time.sleep(0.1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
