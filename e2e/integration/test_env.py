"""`awsmfa env` end to end: real shells, the STS peer (moto behind the checking gate), the real
kernel keyring."""
from __future__ import annotations

import json
import os
import re
import shutil
import shlex
import subprocess
import time

import pytest


def caller_arn(env: dict, exported: dict) -> str:
    """`aws sts get-caller-identity` signed with the exported credentials."""
    full = {k: v for k, v in env.items() if not k.startswith("AWS_") or k.startswith("AWS_ENDPOINT")}
    full.update({k: v for k, v in exported.items() if k.startswith("AWS_")})
    full["AWS_DEFAULT_REGION"] = exported.get("AWS_REGION", "us-east-1")
    done = subprocess.run(["aws", "sts", "get-caller-identity", "--output", "json"], env=full,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["Arn"]


def shell_env(shell: str, script: str, env: dict) -> dict:
    """Runs `script` in a real shell and returns the environment it ends with."""
    tail = "; env -0" if shell != "fish" else "; env -0"
    done = subprocess.run([shell, "-c", script + tail], env=env, capture_output=True, timeout=60,
                          start_new_session=True)
    assert done.returncode == 0, done.stderr.decode()
    pairs = [item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item]
    return dict(pairs)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_eval_in_real_shell_then_aws_call_succeeds(shell, sts, aws_home, awsmfa_bin, keyring_name):
    assert shutil.which(shell), f"{shell} must be installed"
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, AWS_PROFILE="stale", SHELL=f"/bin/{shell}")
    code = sts.totp()
    if shell == "fish":
        script = f"{awsmfa_bin} env base --code {code} --format fish | source"
    else:
        script = f'eval "$({awsmfa_bin} env base --code {code})"'
    exported = shell_env(shell, script, env)
    assert exported["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert exported["AWSMFA_PROFILE"] == "base"
    assert "AWS_PROFILE" not in exported
    assert int(exported["AWSMFA_EXPIRES"]) > time.time() + 3600
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", exported["AWS_CREDENTIAL_EXPIRATION"])
    assert exported["AWS_REGION"] == sts.region
    assert caller_arn(aws_home, exported) == sts.user_arn
    gst = sts.requests("GetSessionToken")
    assert len(gst) == 1 and gst[0]["serial_number"] == sts.mfa_serial and gst[0]["token_code"] == code


def test_second_env_is_served_from_the_keyring(run, sts, keyring_name):
    first = run("env", "base", "--code", sts.totp(), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert sts.count("GetSessionToken") == 1
    second = run("env", "base", "--format", "json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert sts.count() == 1, "the cached env must not reach STS"
    # The key is in awsmfa's keyring under @u with a timeout and possessor+user-only permissions.
    ring = subprocess.run(["keyctl", "search", "@u", "keyring", keyring_name], capture_output=True, text=True)
    assert ring.returncode == 0
    listing = subprocess.run(["keyctl", "rdescribe", ring.stdout.strip()], capture_output=True, text=True)
    keys = subprocess.run(["keyctl", "show", ring.stdout.strip()], capture_output=True, text=True).stdout
    session_lines = [l for l in keys.splitlines() if ";session;base;" in l]
    assert len(session_lines) == 1, keys
    serial = session_lines[0].split()[0]
    described = subprocess.run(["keyctl", "rdescribe", serial], capture_output=True, text=True).stdout.strip()
    kind, uid, gid, perm, description = described.split(";", 4)
    assert kind == "user" and perm == "3f3f0000", described
    assert listing.returncode == 0
    expires = int(description.rsplit(";", 1)[1])
    import datetime
    stated = datetime.datetime.strptime(json.loads(first.stdout)["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires == int(stated.replace(tzinfo=datetime.timezone.utc).timestamp())
    proc_keys = open("/proc/keys").read()
    line = next(l for l in proc_keys.splitlines() if l.split()[0] == format(int(serial), "08x"))
    assert re.search(r" (1[01]h|12h|\d+m) ", line), line  # a timeout of about 12 h, not "perm"
    assert sts.secret_access_key not in described


def test_role_profile_reuses_the_mfa_session(run, sts):
    code = sts.totp()
    base = run("env", "base", "--code", code, "--format", "json")
    assert base.returncode == 0, base.stderr
    admin = run("env", "admin", "--format", "json", "--verbose")
    assert admin.returncode == 0, admin.stderr
    assert sts.count("GetSessionToken") == 1, "one MFA session serves every role profile"
    assume = sts.requests("AssumeRole")
    assert len(assume) == 1
    assert assume[0]["access_key_id"] == json.loads(base.stdout)["AccessKeyId"]
    assert "capped at 1 h" in admin.stderr or int(assume[0].get("duration_seconds") or 3600) <= 3600
    creds = json.loads(admin.stdout)
    assert creds["Version"] == 1 and creds["AccessKeyId"] != json.loads(base.stdout)["AccessKeyId"]


def test_refresh_fetches_new_credentials(run, sts):
    assert run("env", "base", "--code", sts.totp(), "--format", "json").returncode == 0
    again = run("env", "base", "--refresh", "--code", sts.totp(1), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert sts.count("GetSessionToken") == 2


def test_mfa_process_supplies_the_code_without_a_shell(run, sts, aws_home, tmp_path):
    canary = tmp_path / "canary"
    script = tmp_path / "code.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{sts.totp()}'\n")
    script.chmod(0o755)
    config = aws_home["AWS_CONFIG_FILE"]
    with open(config, "a") as f:
        f.write(f"\n[profile proc]\nsource_profile = base\nrole_arn = {sts.role_arn}\n"
                f"mfa_process = {script} ; touch {canary}\n")
    done = run("env", "proc", "--format", "json")
    # The extra words are arguments to the script, never a second command.
    assert done.returncode == 0, done.stderr
    assert not canary.exists()


def test_no_terminal_and_no_code_source_fails_at_once(run):
    started = time.time()
    # No pcscd either (libpcsclite takes its socket path from this variable).
    done = run("env", "base", env={"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"})
    assert done.returncode == 69
    assert done.stdout == ""
    assert "no terminal" in done.stderr and "--code" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert time.time() - started < 10


def append_config(env: dict, text: str):
    with open(env["AWS_CONFIG_FILE"], "a") as f:
        f.write(text)


BAD_INPUT = [
    ("unknown profile", "", ["env", "nope"], 78, "neither"),
    ("malformed line", "\n[profile broken]\nthis is not ini\n", ["env", "base"], 78, "Malformed config file"),
    ("missing credentials", "\n[profile lonely]\nregion = eu-west-1\n", ["env", "lonely"], 78, "no aws_access_key_id"),
    ("cycle", "\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = b\n"
              "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = a\n",
     ["env", "a"], 78, "loops"),
    ("bad duration", "", ["env", "base", "--duration", "5"], 64, "--duration"),
    ("bad format", "", ["env", "base", "--format", "tcsh"], 64, "format"),
]


@pytest.mark.parametrize("name,extra,args,code,fragment", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_gives_one_line_and_an_exit_code(name, extra, args, code, fragment, run, aws_home, sts):
    append_config(aws_home, extra)
    done = run(*args, "--code", "123456")
    assert done.returncode == code, done.stderr
    assert done.stdout == ""
    assert fragment in done.stderr
    if code != 64:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert sts.count() == 0


def test_wrong_code_names_the_sts_error(run, sts):
    wrong = f"{(int(sts.totp()) + 500000) % 1000000:06d}"
    done = run("env", "base", "--code", wrong)
    assert done.returncode == 77
    assert done.stdout == ""
    assert "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code." in done.stderr
    assert sts.count("GetSessionToken") == 1, "a code given with --code is not retried"


def test_sts_unreachable(run, sts):
    started = time.time()
    done = run("env", "base", "--code", sts.totp(), env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert time.time() - started < 5, "a refused connection must fail fast, retries included"
    assert done.returncode == 75
    assert done.stdout == ""
    assert "127.0.0.1:9" in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["malformed", "html", "truncated"])
def test_unreadable_sts_answer(kind, run, sts):
    sts.fault(kind, action="GetSessionToken", count=5)
    done = run("env", "base", "--code", sts.totp())
    assert done.returncode in (75, 76), done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


HOSTILE = ["we'ird", 'x"; touch CANARY; "', "$(touch CANARY)", "`touch CANARY`", "a b\tc", "semi;colon&amp",
           "glob*?[x]", "fish'\\'(touch CANARY)", "new\\nline"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_hostile_profile_names_are_quoted_never_run(shell, sts, aws_home, awsmfa_bin, keyring_name, tmp_path):
    canary = tmp_path / "CANARY"
    for name in HOSTILE:
        # botocore splits the header with shlex: quote so that the profile is named exactly `name`.
        append_config(aws_home, f"\n[profile {shlex.quote(name.replace('CANARY', str(canary)))}]\n"
                                f"source_profile = base\nrole_arn = {sts.role_arn}\n")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    assert subprocess.run([awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"], env=env,
                          capture_output=True, start_new_session=True).returncode == 0
    fmt = "fish" if shell == "fish" else "bash"
    for name in HOSTILE:
        real = name.replace("CANARY", str(canary))
        if shell == "fish":
            quoted = "'" + real.replace("\\", "\\\\").replace("'", "\\'") + "'"
        else:
            quoted = subprocess.run(["bash", "-c", 'printf %q "$1"', "_", real], capture_output=True,
                                    text=True).stdout
        if shell == "fish":
            script = f"{awsmfa_bin} env {quoted} --format {fmt} | source"
        else:
            script = f'eval "$({awsmfa_bin} env {quoted} --format {fmt})"'
        exported = shell_env(shell, script, env)
        assert exported.get("AWSMFA_PROFILE") == real, (name, exported.get("AWSMFA_PROFILE"))
    assert not canary.exists()
