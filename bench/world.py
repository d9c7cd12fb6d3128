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

world = World.start()
pcscd = key = None
try:
    values = {
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
    if key is not None:
        key.stop()
    if pcscd is not None:
        pcscd.stop()
    world.stop()
