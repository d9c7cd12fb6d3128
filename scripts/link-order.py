#!/usr/bin/env python3
"""Writes packaging/awsmfa-cli.order: the functions a cold `env` runs, sorted by name (so that a
new run changes only the names that changed), for lld's --symbol-ordering-file. Laid out together at the start of .text they fill a few hundred
pages instead of being spread over ten megabytes, so the kernel maps (and counts in the
process's resident memory) far less of the binary: about 1.5 MB less for a cold `env`.

Usage: scripts/link-order.py [RELEASE_BINARY]   (`make link-order`; needs valgrind)

It runs the binary under callgrind twice, over plain HTTP and over TLS, against the test peers
(the hostile STS in its well-behaved mode, behind a TLS front for the second run). A stale
order file is harmless (unknown names are skipped): it only costs memory, which bench/run shows.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e" / "peers"))
from hostile.server import HostileSTS  # noqa: E402
from tlsnet import pki  # noqa: E402
from tlsnet.front import TLSFront  # noqa: E402

OUT = ROOT / "packaging" / "awsmfa-cli.order"
KEYRING = "awsmfa-link-order"


def called_functions(profile: str, binary: str, env: dict) -> list[str]:
    """Function names callgrind saw, in the order it first named them."""
    subprocess.run(["bash", "-c", f"k=$(keyctl search @u keyring {KEYRING}) && keyctl clear $k"],
                   capture_output=True)
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out.name}",
             binary, "env", "base", "--code", "123456", "--format", "json"],
            env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not done.stdout.startswith('{"Version":1'):
            sys.exit(f"link-order: the {profile} run failed: {done.stderr[-400:]}")
        names, order = {}, []
        for line in Path(out.name).read_text().splitlines():
            match = re.match(r"^c?fn=\((\d+)\)(?: (.*))?$", line)
            if match:
                if match.group(2):
                    names[match.group(1)] = match.group(2)
                order.append(names.get(match.group(1)))
        return [name for name in order if name]


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build" / "release" / "awsmfa-cli")
    defined = set()
    for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tT":
            defined.add(parts[2])
    if not defined:
        sys.exit(f"link-order: {binary} has no symbols (use the unstripped release build)")

    work = Path(tempfile.mkdtemp(prefix="awsmfa-link-order-"))
    aws = work / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        "[profile base]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n")
    (aws / "credentials").write_text(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    ca, cert, key = pki.make_localhost_pki(str(work / "pki"))

    sts = HostileSTS.start()
    sts.set_mode("ok")
    front = TLSFront(cert, key, sts.url).start()
    base = dict(os.environ, HOME=str(work), AWSMFA_KEYRING=KEYRING)
    try:
        order: list[str] = []
        for profile, env in [
            ("tls", dict(base, AWS_ENDPOINT_URL_STS=f"https://localhost:{front.port}",
                         AWS_CA_BUNDLE=ca)),
            ("http", dict(base, AWS_ENDPOINT_URL_STS=sts.url)),
        ]:
            for name in called_functions(profile, binary, env):
                if name in defined and name not in order:
                    order.append(name)
    finally:
        front.stop()
        sts.stop()
    OUT.write_text("".join(name + "\n" for name in sorted(order)))
    print(f"link-order: {len(order)} functions of {len(defined)} -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
