"""RFC 6238 TOTP (SHA1, 6 digits, 30 s) and the seed encodings moto uses."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time

PERIOD = 30
DIGITS = 6


def seed_bytes(seed_base32: str) -> bytes:
    s = seed_base32.strip().replace(" ", "").upper()
    s += "=" * (-len(s) % 8)
    return base64.b32decode(s)


def seed_from_wire(value: str) -> str:
    """moto sends Base32StringSeed base64-encoded (the XML blob type); AWS's
    SDKs decode it to the base32 text.  Accept either form, return base32."""
    v = value.strip()
    try:
        dec = base64.b64decode(v, validate=True).decode("ascii")
        seed_bytes(dec)
        return dec.upper()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        seed_bytes(v)  # raises if it is not base32 either
        return v.upper()


def step_at(t: float | None = None) -> int:
    return int((time.time() if t is None else t) // PERIOD)


def code_for_step(seed_base32: str, step: int) -> str:
    mac = hmac.new(seed_bytes(seed_base32), struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    num = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(num % 10 ** DIGITS).zfill(DIGITS)


def code_at(seed_base32: str, t: float | None = None, step_offset: int = 0) -> str:
    return code_for_step(seed_base32, step_at(t) + step_offset)
