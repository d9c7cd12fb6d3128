"""Starts the STS peer for benchmarks, fills awsmfa's cache, prints shell variables, waits.

Usage: python3 bench/world.py FIFO — writes `KEY=VALUE` lines to stdout once ready, then blocks
until FIFO receives anything (so bench/run controls its lifetime)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "peers"))
from stsgate.world import World  # noqa: E402

world = World.start()
try:
    for key, value in {
        "GATE_URL": world.gate_url, "REGION": world.region, "AKID": world.access_key_id,
        "SECRET": world.secret_access_key, "SERIAL": world.mfa_serial, "ROLE": world.role_arn,
        "SEED": world.seed_base32,
    }.items():
        print(f"{key}={value}")
    sys.stdout.flush()
    with open(sys.argv[1]) as fifo:
        fifo.read()
finally:
    world.stop()
