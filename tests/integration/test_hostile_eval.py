"""Hostile profile names and regions, generated with a fixed seed, through env and unset in real
bash, zsh and fish: evaluating awsmfa's output never runs anything (a canary file never appears)
and sets exactly the intended values. AWSMFA_FUZZ_N raises the count (bench/ runs a larger one)."""
from __future__ import annotations

import os
import random
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
    names = [n.replace("CANARY", str(canary)) for n in hostile_names(count)]
    # Regions go into the SigV4 scope too, so they carry no "/" or space (STS would refuse those);
    # ${IFS} makes the injection real if anything ever evaluated them.
    regions = [f"eu-{i}$(touch${{IFS}}CANARY)'\"`x`;touch${{IFS}}CANARY" if i % 3 == 0 else f"us-east-{i}"
               for i in range(len(names))]
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        for name, region in zip(names, regions):
            f.write(f"\n[profile {name}]\nsource_profile = base\nrole_arn = {sts.role_arn}\nregion = {region}\n")
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
