"""A credentials tool is judged on the day something goes wrong: STS faults, clock skew,
interrupts, broken files and keyrings — each with bounded time, one line on stderr, a documented
exit code, empty stdout, and the cached session untouched."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import time

import pytest


def one_line(done):
    assert done.stdout == "", done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def cache_admin(run, sts):
    assert run("env", "base", "--code", sts.totp(), "--format", "json").returncode == 0
    done = run("env", "admin", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", ["throttle", "500", "503", "reset"])
def test_retryable_faults_are_retried(kind, run, sts):
    sts.fault(kind, action="GetSessionToken", count=2)
    done = run("env", "base", "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sts.count("GetSessionToken") == 3


def test_persistent_throttling_gives_up_within_the_deadline(run, sts):
    sts.fault("throttle", action="GetSessionToken", count=20)
    started = time.time()
    done = run("env", "base", "--code", sts.totp())
    assert done.returncode == 75
    one_line(done)
    assert "Throttling" in done.stderr
    assert sts.count("GetSessionToken") == 3
    assert time.time() - started < 10


def test_access_denied_is_never_retried(run, sts, aws_home):
    cache_admin(run, sts)
    # The admin role's trust policy demands MFA; a source profile without mfa_serial has none.
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile forbidden]\nrole_arn = {sts.role_arn}\nsource_profile = plainsrc\n")
    with open(aws_home["AWS_SHARED_CREDENTIALS_FILE"], "a") as f:
        f.write(f"\n[plainsrc]\naws_access_key_id = {sts.access_key_id}\n"
                f"aws_secret_access_key = {sts.secret_access_key}\n")
    sts.reset_log()
    done = run("env", "forbidden")
    assert done.returncode == 77, done.stderr
    one_line(done)
    assert "AccessDenied" in done.stderr
    assert sts.count("AssumeRole") == 1


def test_slow_answer_times_out(run, sts):
    sts.fault("slow", action="GetSessionToken", count=5, delay=8)
    started = time.time()
    done = run("env", "base", "--code", sts.totp(), env={"AWSMFA_HTTP_TIMEOUT": "2"})
    assert done.returncode == 75, done.stderr
    one_line(done)
    assert "time limit" in done.stderr or "deadline" in done.stderr
    assert time.time() - started < 6


def test_clock_skew_names_the_offset_and_the_fix(run, sts):
    sts.fault("skew", action="GetSessionToken", count=5, skew=1800)
    done = run("env", "base", "--code", sts.totp())
    assert done.returncode == 77, done.stderr
    one_line(done)
    assert "30 min" in done.stderr and "behind" in done.stderr and "clock" in done.stderr
    assert sts.count("GetSessionToken") == 1


def test_failed_refresh_leaves_the_cached_session(run, sts):
    before = cache_admin(run, sts)
    sts.fault("500", action="AssumeRole", count=10)
    done = run("env", "admin", "--refresh", "--format", "json")
    assert done.returncode == 75
    one_line(done)
    after = run("env", "admin", "--format", "json")
    assert after.returncode == 0 and json.loads(after.stdout) == before


def test_interrupt_during_sts_call_leaves_no_stale_lock(awsmfa_bin, aws_home, keyring_name, run, sts):
    before = cache_admin(run, sts)
    sts.fault("slow", action="AssumeRole", count=1, delay=20)
    proc = subprocess.Popen([awsmfa_bin, "env", "admin", "--refresh", "--format", "json"],
                            env=dict(aws_home, AWSMFA_KEYRING=keyring_name), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    for _ in range(100):
        if sts.count("AssumeRole") >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=5)
    assert proc.returncode != 0 and out == ""
    # The lock died with the process: a refresh right away does not wait for it.
    started = time.time()
    again = run("env", "admin", "--refresh", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert time.time() - started < 5
    assert json.loads(again.stdout)["AccessKeyId"] != before["AccessKeyId"]


def write_config(aws_home, data: bytes):
    with open(aws_home["AWS_CONFIG_FILE"], "wb") as f:
        f.write(data)


def test_crlf_and_lone_cr_configs_work_and_a_bom_is_refused_as_the_aws_cli_does(run, sts, aws_home):
    original = open(aws_home["AWS_CONFIG_FILE"], "rb").read()
    write_config(aws_home, original.replace(b"\n", b"\r\n"))
    done = run("env", "base", "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr
    write_config(aws_home, original.replace(b"\n", b"\r"))
    assert run("env", "base", "--format", "json").returncode == 0
    # configparser reads U+FEFF as text before the first header: botocore fails to parse the file.
    write_config(aws_home, b"\xef\xbb\xbf" + original)
    done = run("env", "base", "--format", "json")
    assert done.returncode == 78 and done.stdout == ""
    assert "byte order mark" in done.stderr


@pytest.mark.parametrize("case", ["directory", "symlink loop", "garbage", "invalid utf-8", "huge"])
def test_broken_config_files(case, run, sts, aws_home, tmp_path):
    config = aws_home["AWS_CONFIG_FILE"]
    os.remove(config)
    if case == "directory":
        os.mkdir(config)
    elif case == "symlink loop":
        os.symlink(config, config)
    elif case == "garbage":
        with open(config, "wb") as f:
            f.write(os.urandom(10 << 20))
    elif case == "invalid utf-8":
        with open(config, "wb") as f:
            f.write(b"[profile base]\nregion = \xff\xfe\nmfa_serial = x\n[profile \xc3(]\nk = v\n")
    else:
        with open(config, "wb") as f:
            f.write(b"[profile base]\n" + b"# padding\n" * (2 << 20))
    started = time.time()
    done = run("env", "base", "--code", sts.totp())
    assert time.time() - started < 10
    # Bytes that are not UTF-8 are a parse error for the AWS CLI too (configparser cannot decode).
    assert done.returncode == 78, done.stderr
    one_line(done)
    assert config in done.stderr


def test_revoked_session_keyring_does_not_matter(awsmfa_bin, aws_home, keyring_name, sts):
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    script = (f"keyctl revoke @s; {awsmfa_bin} env base --code {sts.totp()} --format json >/dev/null && "
              f"{awsmfa_bin} env base --format json")
    done = subprocess.run(["keyctl", "session", "-", "sh", "-c", script], env=env, capture_output=True,
                          text=True, timeout=60, start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Version"] == 1
    assert sts.count("GetSessionToken") == 1, "the user keyring still caches after @s is revoked"


def test_quota_full_falls_back_to_no_cache(awsmfa_bin, aws_home, sts, tmp_path):
    """As an unprivileged user (default quota 200 keys / 20000 bytes), filled to the brim."""
    import tempfile
    nobody = pwd.getpwnam("nobody")
    base = tempfile.mkdtemp(prefix="awsmfa-quota-")
    os.chmod(base, 0o755)
    home = os.path.join(base, "home")
    shutil.copytree(aws_home["HOME"], home)
    subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", home], check=True)
    from pathlib import Path
    home = Path(home)
    env = dict(aws_home, HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws/config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws/credentials"), AWSMFA_KEYRING="awsmfa-quota")
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    # Fill the quota with 1000-byte keys, then smaller ones, until the kernel says EDQUOT.
    fill = ("i=0; for size in 1000 100 10 1; do "
            "while head -c $size /dev/zero | keyctl padd user filler$i @u >/dev/null 2>&1; do "
            "i=$((i+1)); [ $i -gt 1000 ] && break; done; done; "
            "head -c 1 /dev/zero | keyctl padd user one-more @u")
    binary_dir = os.path.dirname(awsmfa_bin)
    try:
        filled = subprocess.run(as_nobody + ["sh", "-c", fill], env=env, capture_output=True, text=True,
                                timeout=120)
        assert "quota" in filled.stderr.lower(), filled.stderr
        done = subprocess.run(as_nobody + [awsmfa_bin, "env", "base", "--code", sts.totp(), "--format", "json"],
                              env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["Version"] == 1
        assert done.stderr.count("warning") == 1 and "quota" in done.stderr, done.stderr
    finally:
        subprocess.run(as_nobody + ["keyctl", "clear", "@u"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    assert binary_dir


TOUCH_TIMEOUT = 3


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_touch_releases_the_card(sig, vkey, sts, aws_home, awsmfa_bin, keyring_name):
    import base64
    secret = base64.b32decode(sts.seed_base32 + "=" * (-len(sts.seed_base32) % 8))
    vkey.add_credential("Amazon Web Services", "alice", secret=secret, touch=True)
    vkey.set_touch("file", timeout=TOUCH_TIMEOUT)
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    proc = subprocess.Popen([awsmfa_bin, "env", "base", "--format", "json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    vkey.wait_touch_pending()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=5)
    assert proc.returncode != 0 and out == ""
    assert sts.count() == 0
    # Nothing of the killed process holds the card: once the key's own pending touch request
    # times out (the card finishes the command it was given, as a real one does), the next
    # client gets a code at once.
    killed = time.time()
    vkey.set_touch("auto")
    vkey.add_credential("Other", "x", secret=b"x" * 20)
    code = subprocess.run([awsmfa_bin, "code", "base"], env=env, capture_output=True, text=True, timeout=30,
                          start_new_session=True)
    assert code.returncode == 0, code.stderr
    assert time.time() - killed < TOUCH_TIMEOUT + 3


@pytest.mark.parametrize("errno_name,fragment", [("EACCES", "EACCES"), ("EDQUOT", "quota")])
def test_keyring_refusals_fall_back_with_one_warning(errno_name, fragment, sts, aws_home, awsmfa_bin, keyring_name):
    done = subprocess.run(
        ["strace", "-f", "-o", "/dev/null", "-e", "trace=add_key,keyctl",
         "-e", f"inject=add_key,keyctl:error={errno_name}", awsmfa_bin, "env", "base", "--code", sts.totp(),
         "--format", "json"],
        env=dict(aws_home, AWSMFA_KEYRING=keyring_name), capture_output=True, text=True, timeout=60,
        start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Version"] == 1
    assert done.stderr.count("warning") == 1 and fragment in done.stderr, done.stderr


def test_expired_key_is_not_used(run, sts, keyring_name):
    assert run("env", "base", "--code", sts.totp(), "--format", "json").returncode == 0
    ring = subprocess.run(["keyctl", "search", "@u", "keyring", keyring_name], capture_output=True, text=True).stdout.strip()
    shown = subprocess.run(["keyctl", "show", ring], capture_output=True, text=True).stdout
    serial = next(l.split()[0] for l in shown.splitlines() if ";session;base;" in l)
    subprocess.run(["keyctl", "timeout", serial, "1"], check=True)
    time.sleep(2)
    done = run("env", "base", "--code", sts.totp(1), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sts.count("GetSessionToken") == 2


def test_unreadable_config_is_named(awsmfa_bin, aws_home, sts):
    nobody = pwd.getpwnam("nobody")
    os.chmod(aws_home["AWS_CONFIG_FILE"], 0o600)
    done = subprocess.run(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                           awsmfa_bin, "env", "base", "--code", "123456"],
                          env=aws_home, capture_output=True, text=True, timeout=30)
    assert done.returncode == 78
    one_line(done)
    assert "Cannot read" in done.stderr and "ermission denied" in done.stderr


def test_config_changed_mid_run_is_read_once(run, sts, aws_home, tmp_path):
    """mfa_process rewrites the config while awsmfa waits for it: the run finishes with the
    file as it was read, and the next run sees the new one."""
    script = tmp_path / "code.sh"
    config = aws_home["AWS_CONFIG_FILE"]
    script.write_text(f"#!/bin/sh\nprintf '[profile base]\\nthis is broken\\n' > {config}.new\n"
                      f"mv {config}.new {config}\necho {sts.totp()}\n")
    script.chmod(0o755)
    with open(config, "a") as f:
        f.write(f"\n[profile proc]\nsource_profile = base\nrole_arn = {sts.role_arn}\nmfa_process = {script}\n")
    done = run("env", "proc", "--format", "json")
    assert done.returncode == 0, done.stderr
    after = run("env", "proc", "--format", "json")
    assert after.returncode == 78 and "Malformed" in after.stderr


def test_cache_works_for_an_unprivileged_user(awsmfa_bin, aws_home, sts):
    """Real users are not root: keyring possession and permissions must work for them too, in
    a fresh process each time (no session keyring shared with the first run)."""
    import tempfile
    nobody = pwd.getpwnam("nobody")
    base = tempfile.mkdtemp(prefix="awsmfa-user-")
    os.chmod(base, 0o755)
    home = os.path.join(base, "home")
    shutil.copytree(aws_home["HOME"], home)
    subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", home], check=True)
    env = dict(aws_home, HOME=home, AWS_CONFIG_FILE=f"{home}/.aws/config",
               AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials", AWSMFA_KEYRING="awsmfa-user-test",
               XDG_RUNTIME_DIR=home)
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    try:
        first = subprocess.run(as_nobody + ["keyctl", "session", "-", awsmfa_bin, "env", "base", "--code",
                                            sts.totp(), "--format", "json"],
                               env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
        assert first.returncode == 0, first.stderr
        assert "warning" not in first.stderr, first.stderr
        second = subprocess.run(as_nobody + ["keyctl", "session", "-", awsmfa_bin, "env", "admin", "--format",
                                             "json"],
                                env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
        assert second.returncode == 0, second.stderr
        assert sts.count("GetSessionToken") == 1, "the second run found the MFA session in the keyring"
        listed = subprocess.run(as_nobody + ["keyctl", "session", "-", awsmfa_bin, "list", "--json"],
                                env=env, capture_output=True, text=True, timeout=30)
        assert json.loads(listed.stdout)[0]["expires"] is not None, listed.stdout
    finally:
        subprocess.run(as_nobody + ["sh", "-c", "id=$(keyctl search @u keyring awsmfa-user-test) && "
                                    "keyctl unlink $id @u"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
