"""Starts the test peers for benchmarks and prints shell variables describing them.

Usage: python3 bench/world.py FIFO [--card] — prints `KEY=VALUE` lines once ready, then blocks
until FIFO receives anything, so bench/run controls its lifetime. With --card it also starts
pcscd with a virtual YubiKey holding alice's MFA seed as `Amazon Web Services:alice@ACCOUNT`."""
import base64
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e" / "peers"))
from stsgate.world import World  # noqa: E402
from tlsnet.front import TLSFront  # noqa: E402
from tlsnet.pki import make_localhost_pki  # noqa: E402

world = World.start()
pcscd = key = front = None
try:
    # The same gate behind TLS (a localhost certificate from a CA of its own), for the cold
    # env a real user makes: over https.
    tls_ca, tls_cert, tls_key = make_localhost_pki(tempfile.mkdtemp(prefix="bench-pki-"))
    front = TLSFront(tls_cert, tls_key, world.gate_url).start()
    values = {
        "TLS_URL": f"https://localhost:{front.port}", "TLS_CA": tls_ca,
        "GATE_URL": world.gate_url, "REGION": world.region, "AKID": world.access_key_id,
        "SECRET": world.secret_access_key, "SERIAL": world.mfa_serial, "ROLE": world.role_arn,
        "SEED": world.seed_base32, "ACCOUNT": world.account_id,
    }
    if "--card" in sys.argv:
        from vyubikey import harness
        pcscd = harness.start_pcscd(["Yubico YubiKey OTP+FIDO+CCID"])
        reader = pcscd.readers[0]
        state = os.path.join(tempfile.mkdtemp(prefix="bench-vkey-"), "key.json")
        seed = world.seed_base32 + "=" * (-len(world.seed_base32) % 8)
        secret = base64.b32decode(seed)
        name = f"Amazon Web Services:alice@{world.account_id}"
        with open(state, "w") as f:
            json.dump({"serial": 7000001, "version": "5.4.3", "form_factor": 1, "salt": os.urandom(8).hex(),
                       "password_key": None, "touch": "auto", "touch_timeout": 1.0,
                       "credentials": [{"name": name, "type": "TOTP", "algorithm": "SHA1", "digits": 6,
                                        "period": 30, "touch": False, "counter": 0,
                                        "secret": secret.ljust(14, b"\0").hex()}]}, f)
        key = harness.start_key(reader.slot_port(0), state, reader.slot_name(0))
        values.update({"READER": reader.slot_name(0), "OATH_NAME": name})
    for k, v in values.items():
        print(f"{k}={v!r}" if " " in str(v) else f"{k}={v}")
    sys.stdout.flush()
    with open(sys.argv[1]) as fifo:
        fifo.read()
finally:
    if front is not None:
        front.stop()
    if key is not None:
        key.stop()
    if pcscd is not None:
        pcscd.stop()
    world.stop()
