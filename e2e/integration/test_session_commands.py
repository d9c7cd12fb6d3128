"""exec, credential_process, list, clear, unset, doctor — and never reusing an MFA code."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest


def fill_cache(run, sts):
    done = run("env", "base", "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_exec_passes_credentials_and_exit_status(run, sts, tmp_path):
    creds = fill_cache(run, sts)
    done = run("exec", "base", "--", "sh", "-c", 'printf "%s %s %s" "$AWS_ACCESS_KEY_ID" "$AWSMFA_EXEC" "${AWS_PROFILE-unset}"; exit 7',
               env={"AWS_PROFILE": "other"})
    assert done.returncode == 7
    assert done.stdout == f"{creds['AccessKeyId']} base unset"


def test_exec_runs_no_shell(run, sts, tmp_path):
    fill_cache(run, sts)
    canary = tmp_path / "canary"
    done = run("exec", "base", "--", "printf", "%s", f"$(touch {canary})")
    assert done.returncode == 0
    assert done.stdout == f"$(touch {canary})"
    assert not canary.exists()
    missing = run("exec", "base", "--", "no-such-program-awsmfa")
    assert missing.returncode == 127 and "no-such-program-awsmfa" in missing.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_exec_signals_reach_the_command(sig, awsmfa_bin, aws_home, keyring_name, run, sts, tmp_path):
    fill_cache(run, sts)
    ready = tmp_path / "ready"
    script = f"trap 'echo got >&2; exit 42' {sig.name[3:]}; touch {ready}; while :; do sleep 0.05; done"
    proc = subprocess.Popen([awsmfa_bin, "exec", "base", "--", "sh", "-c", script],
                            env=dict(aws_home, AWSMFA_KEYRING=keyring_name), stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    for _ in range(200):
        if ready.exists():
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    assert proc.wait(10) == 42
    assert "got" in proc.stderr.read()


def test_exec_refuses_to_nest_another_profile(run, sts):
    fill_cache(run, sts)
    done = run("exec", "base", "--", "true", env={"AWSMFA_EXEC": "prod"})
    assert done.returncode == 64 and "--nest" in done.stderr and done.stdout == ""
    assert run("exec", "--nest", "base", "--", "true", env={"AWSMFA_EXEC": "prod"}).returncode == 0
    assert run("exec", "base", "--", "true", env={"AWSMFA_EXEC": "base"}).returncode == 0


def test_aws_cli_uses_the_credential_process_line(run, sts, aws_home, awsmfa_bin, keyring_name):
    fill_cache(run, sts)
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile viaawsmfa]\ncredential_process = {awsmfa_bin} env base --format json\n"
                f"region = {sts.region}\n")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    done = subprocess.run(["aws", "sts", "get-caller-identity", "--profile", "viaawsmfa", "--output", "json"],
                          env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == sts.user_arn
    assert sts.count("GetSessionToken") == 1


def test_credential_process_pointing_at_itself_is_refused(run, sts, aws_home, awsmfa_bin):
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile loop]\ncredential_process = {awsmfa_bin} env loop --format json\n")
    done = run("env", "loop", "--format", "json")
    assert done.returncode == 78 and done.stdout == ""
    assert "credential_process" in done.stderr


def test_list_shows_profiles_and_time_left_without_reading_secrets(run, sts):
    fill_cache(run, sts)
    done = run("list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["PROFILE", "MFA"]
    base = next(l for l in lines if l.startswith("base "))
    assert sts.mfa_serial in base and "h" in base.split()[-1]
    admin = next(l for l in lines if l.startswith("admin "))
    assert sts.role_arn in admin
    data = json.loads(run("list", "--json").stdout)
    entry = next(d for d in data if d["profile"] == "base")
    assert 43000 < entry["seconds_left"] <= 43200
    assert next(d for d in data if d["profile"] == "admin")["expires"] is None
    assert sts.secret_access_key not in done.stdout


def test_clear_removes_only_what_it_names(run, sts):
    fill_cache(run, sts)
    assert run("env", "admin", "--format", "json").returncode == 0
    before = sts.count()
    done = run("clear", "admin")
    assert done.returncode == 0 and "removed 1" in done.stderr
    # base is still cached: no STS call for it; admin is assumed again from the MFA session.
    assert run("env", "base", "--format", "json").returncode == 0
    assert sts.count() == before
    assert run("env", "admin", "--format", "json").returncode == 0
    assert sts.count("AssumeRole") == 2 and sts.count("GetSessionToken") == 1
    everything = run("clear", "--all")
    assert everything.returncode == 0 and "removed 2" in everything.stderr
    assert json.loads(run("list", "--json").stdout)[0]["expires"] is None
    assert run("clear").returncode == 64


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_unset_removes_everything_env_set(shell, run, sts, aws_home, awsmfa_bin, keyring_name):
    fill_cache(run, sts)
    fmt = "fish" if shell == "fish" else "bash"
    pipe = "| source" if shell == "fish" else ""
    if shell == "fish":
        script = f"{awsmfa_bin} env base --format fish | source; {awsmfa_bin} unset --format fish | source; env"
    else:
        script = f'eval "$({awsmfa_bin} env base --format {fmt})"; eval "$({awsmfa_bin} unset --format {fmt})"; env'
    done = subprocess.run([shell, "-c", script], env=dict(aws_home, AWSMFA_KEYRING=keyring_name, AWS_REGION="x"),
                          capture_output=True, text=True, timeout=30, start_new_session=True)
    assert done.returncode == 0, done.stderr
    names = {line.split("=", 1)[0] for line in done.stdout.splitlines() if "=" in line}
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWSMFA_PROFILE",
                 "AWSMFA_EXPIRES", "AWS_CREDENTIAL_EXPIRATION"]:
        assert name not in names
    assert pipe is not None


def test_doctor_reports_each_check(run, sts):
    done = run("doctor", "admin", env={"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"})
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout
    assert any(l.startswith("✔ config:") for l in lines)
    assert any(l.startswith("✔ keyring:") and "quota" in l for l in lines)
    assert any(l.startswith("✘ pcscd:") and "fix:" in l for l in lines)
    assert any(l.startswith("✔ profile 'admin'") and "'base' -> 'admin'" in l for l in lines)
    assert any("1 h" in l for l in lines)
    assert any(l.startswith("✔ keys:") and sts.user_arn in l for l in lines)
    assert any(l.startswith("✔ clock:") for l in lines)
    assert any(l.startswith("✔ endpoint:") and sts.gate_url in l for l in lines)
    assert sts.secret_access_key not in done.stdout


def test_doctor_names_an_unusable_keyring(run, sts, awsmfa_bin, aws_home, keyring_name):
    # strace's fault injection stands in for a seccomp filter that refuses keyring calls.
    done = subprocess.run(
        ["strace", "-f", "-o", "/dev/null", "-e", "trace=keyctl,add_key,request_key",
         "-e", "inject=keyctl,add_key,request_key:error=ENOSYS", awsmfa_bin, "doctor"],
        env=dict(aws_home, AWSMFA_KEYRING=keyring_name, PCSCLITE_CSOCK_NAME="/nonexistent"),
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    line = next(l for l in done.stdout.splitlines() if "keyring" in l)
    assert line.startswith("✘ keyring:") and "ENOSYS" in line and "fix:" in line


def test_env_without_a_keyring_warns_once_and_works(run, sts, awsmfa_bin, aws_home, keyring_name):
    done = subprocess.run(
        ["strace", "-f", "-o", "/dev/null", "-e", "trace=keyctl,add_key",
         "-e", "inject=keyctl,add_key:error=EPERM", awsmfa_bin, "env", "base", "--code", sts.totp(),
         "--format", "json"],
        env=dict(aws_home, AWSMFA_KEYRING=keyring_name), capture_output=True, text=True, timeout=60,
        start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Version"] == 1
    assert done.stderr.count("warning") == 1 and "seccomp" in done.stderr


def test_a_code_is_never_sent_twice(run, sts, aws_home, tmp_path):
    """Cold env runs back to back, each after clear, with mfa_process printing the current code:
    awsmfa waits for a fresh window instead of sending the same code again."""
    script = tmp_path / "code.py"
    script.write_text(
        "import sys\nsys.path.insert(0, %r)\nfrom stsgate import totp\nprint(totp.code_at(%r))\n"
        % (os.path.join(os.path.dirname(__file__), "..", "peers"), sts.seed_base32))
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile proc]\nsource_profile = base\nrole_arn = {sts.role_arn}\n"
                f"mfa_process = python3 {script}\n")
    for _ in range(3):
        assert run("clear", "--all").returncode == 0
        done = run("env", "proc", "--format", "json", timeout=90)
        assert done.returncode == 0, done.stderr
    sent = [r["token_code"] for r in sts.requests("GetSessionToken")]
    assert len(sent) == 3 and len(set(sent)) == 3, sent
    assert all(r["status"] == 200 for r in sts.requests("GetSessionToken"))
