"""Hostile profile names, generated with a fixed seed, through env and unset in real bash, zsh and
fish: evaluating awsmfa's output never runs anything (a canary file never appears) and sets exactly
the intended values. Hostile regions are refused outright (exit 78, nothing to evaluate).
AWSMFA_FUZZ_N raises the count (bench/ runs a larger one)."""
from __future__ import annotations

import os
import random
import shlex
import re
import subprocess

import pytest

SPECIALS = ["'", '"', "\\", "$", "`", "$(touch CANARY)", "`touch CANARY`", ";touch CANARY;", "&", "|",
            "\t", " ", "*", "?", "[x]", "{a,b}", "(", ")", "~", "!", "%", "^", "é", "\u2603", "\\'",
            "'\\''", "\\n", "-e", "=", "\u001b[31m", "#", "--", "(touch CANARY)"]


def hostile_names(count: int, seed: int = 1128) -> list[str]:
    rng = random.Random(seed)
    names = set()
    while len(names) < count:
        parts = [rng.choice(SPECIALS) if rng.random() < 0.6 else str(rng.randint(0, 99)) for _ in range(rng.randint(1, 5))]
        name = "".join(parts).strip()
        # INI syntax itself cannot carry these in a section header.
        if name and "]" not in name and not name.startswith(("#", ";")) and "\n" not in name:
            names.add(name)
    return sorted(names)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_hostile_names_evaluate_to_themselves(shell, sts, aws_home, awsmfa_bin, keyring_name, tmp_path):
    count = int(os.environ.get("AWSMFA_FUZZ_N", "60"))
    canary = tmp_path / "CANARY"
    every = [n.replace("CANARY", str(canary)) for n in hostile_names(count)]
    # A name with a control character (ESC here) is refused, never printed: see below.
    names = [n for n in every if not any(ord(c) < 32 and c != "\t" for c in n)]
    refused = [n for n in every if n not in names]
    assert names and refused
    # Hostile regions are refused (test_hostile_regions_are_refused): valid ones here.
    regions = ["us-east-1" if i % 2 == 0 else "eu-west-2" for i in range(len(names))]
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        # botocore splits `[profile …]` with shlex: quoting makes each header name exactly `name`.
        for name, region in zip(names + refused, regions + ["us-east-1"] * len(refused)):
            f.write(f"\n[profile {shlex.quote(name)}]\nsource_profile = base\nrole_arn = {sts.role_arn}\n"
                    f"region = {region}\n")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    assert subprocess.run([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env=env,
                          capture_output=True, start_new_session=True).returncode == 0
    lines = []
    for index, name in enumerate(names):
        if shell == "fish":
            quoted = "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
            lines.append(f"{awsmfa_bin} env --format fish -- {quoted} | source; "
                         f"printf '%s\\0%s\\0' \"$AWSMFA_PROFILE\" \"$AWS_REGION\"; "
                         f"{awsmfa_bin} unset --format fish | source; printf '%s\\0' \"$AWSMFA_PROFILE\"")
        else:
            quoted = "'" + name.replace("'", "'\\''") + "'"
            lines.append(f"eval \"$({awsmfa_bin} env --format bash -- {quoted})\"; "
                         f"printf '%s\\0%s\\0' \"$AWSMFA_PROFILE\" \"$AWS_REGION\"; "
                         f"eval \"$({awsmfa_bin} unset --format bash)\"; printf '%s\\0' \"${{AWSMFA_PROFILE-}}\"")
    script = tmp_path / f"script.{shell}"
    script.write_text("\n".join(lines) + "\n")
    argv = {"bash": ["bash", "--norc"], "zsh": ["zsh", "-f"], "fish": ["fish", "--no-config"]}[shell]
    done = subprocess.run(argv + [str(script)], env=env, capture_output=True, timeout=600, start_new_session=True,
                          cwd=tmp_path)
    values = done.stdout.decode(errors="replace").split("\0")[:-1]
    assert len(values) == 3 * len(names), done.stderr.decode()[-2000:]
    assert done.stderr.decode() == "", done.stderr.decode()[:2000]
    for index, (name, region) in enumerate(zip(names, regions)):
        assert values[3 * index] == name
        assert values[3 * index + 1] == region
        assert values[3 * index + 2] == "", "unset left AWSMFA_PROFILE behind"
    assert not canary.exists()
    for name in refused:
        done = subprocess.run([awsmfa_bin, "env", "--format", shell, "--", name], env=env, capture_output=True,
                              timeout=60, start_new_session=True)
        assert done.returncode == 78 and done.stdout == b"", (name, done.stderr)
        assert b"\x1b" not in done.stderr and done.stderr.count(b"\n") == 1
    assert not canary.exists()


# botocore's region pattern: anything else is refused before any connection.
VALID_REGION = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")


def hostile_regions(count: int, seed: int = 1129) -> list[str]:
    rng = random.Random(seed)
    regions = {f"eu-{i}$(touch${{IFS}}CANARY)'\"`x`;touch${{IFS}}CANARY" for i in range(3)}
    regions |= {"x@127.0.0.1:9/#", "-us-east-1", "us-east-1-", "123", "a" * 64}
    while len(regions) < count:
        parts = [rng.choice(["us-east-1", "eu-west-", "ap-"])]
        parts += [rng.choice(SPECIALS) if rng.random() < 0.6 else str(rng.randint(0, 99))
                  for _ in range(rng.randint(1, 4))]
        # The INI reader trims the value: what it trims to must itself be refused.
        region = "".join(parts).strip(" \t")
        if region and "\n" not in region and not VALID_REGION.match(region):
            regions.add(region)
    return sorted(regions)


def test_hostile_regions_are_refused(sts, aws_home, awsmfa_bin, keyring_name, tmp_path):
    count = max(24, int(os.environ.get("AWSMFA_FUZZ_N", "60")) // 3)
    canary = tmp_path / "CANARY"
    regions = [r.replace("CANARY", str(canary)) for r in hostile_regions(count)]
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        for index, region in enumerate(regions):
            f.write(f"\n[profile r{index}]\nsource_profile = base\nrole_arn = {sts.role_arn}\nregion = {region}\n")
    # No ambient region, so only the profile's counts.
    env = {k: v for k, v in aws_home.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["AWSMFA_KEYRING"] = keyring_name
    env["AWSMFA_HTTP_TIMEOUT"] = "5"
    for index, region in enumerate(regions):
        done = subprocess.run([awsmfa_bin, "env", f"r{index}", "--code", "123456", "--format", "bash"], env=env,
                              capture_output=True, timeout=30, start_new_session=True, cwd=tmp_path)
        assert done.returncode == 78, (region, done.returncode, done.stderr)
        assert done.stdout == b"", (region, done.stdout)
        assert len(done.stderr.decode().splitlines()) == 1 and done.stderr.endswith(b"\n"), done.stderr
        assert not any(byte < 0x20 or byte == 0x7F for byte in done.stderr[:-1]), done.stderr
    assert sts.count() == 0, "a hostile region reached the gate"
    assert not canary.exists()
