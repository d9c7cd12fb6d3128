"""The refresh lock: several terminals at once cause one STS call; a killed holder leaves no
stale lock."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


def lock_files(runtime: Path) -> list[Path]:
    return sorted((runtime / "awsmfa").glob("*.lock"))


def is_locked(path: Path) -> bool:
    with open(path, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def test_eight_concurrent_env_on_a_cold_cache_make_one_get_session_token(
        awsmfa_bin, aws_home, keyring_name, sts, tmp_path):
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, XDG_RUNTIME_DIR=str(tmp_path))
    code = sts.totp()
    procs = [subprocess.Popen([awsmfa_bin, "env", "base", "--code", code, "--format", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) for _ in range(8)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    assert all(rc == 0 for rc, _, _ in results), results
    assert len({out for _, out, _ in results}) == 1, "every terminal got the same session"
    assert sts.count("GetSessionToken") == 1
    assert len(lock_files(tmp_path)) == 1 and not is_locked(lock_files(tmp_path)[0])
    assert os.stat(tmp_path / "awsmfa").st_mode & 0o777 == 0o700


def test_killed_holder_leaves_no_stale_lock(awsmfa_bin, aws_home, keyring_name, sts, tmp_path):
    # The code source runs while the lock is held: it says so, then hangs until killed.
    holding = tmp_path / "holding"
    slow = tmp_path / "slow-code.sh"
    slow.write_text(f"#!/bin/sh\ntouch {holding}\nexec sleep 60\n")
    slow.chmod(0o755)
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile slow]\nregion = {sts.region}\nmfa_serial = {sts.mfa_serial}\n"
                f"mfa_process = {slow}\n")
    with open(aws_home["AWS_SHARED_CREDENTIALS_FILE"], "a") as f:
        f.write(f"\n[slow]\naws_access_key_id = {sts.access_key_id}\n"
                f"aws_secret_access_key = {sts.secret_access_key}\n")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, XDG_RUNTIME_DIR=str(tmp_path))
    holder = subprocess.Popen([awsmfa_bin, "env", "slow", "--format", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.time() + 60
        while not holding.exists():
            assert time.time() < deadline and holder.poll() is None, holder.stderr.read()
            time.sleep(0.05)
        [lock] = lock_files(tmp_path)
        assert is_locked(lock), "the refresh holds the lock while fetching a code"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # The code source (sleep) lives on, orphaned: it must not have inherited the lock.
        assert not is_locked(lock), "the lock died with its holder"
        started = time.time()
        done = subprocess.run([awsmfa_bin, "env", "slow", "--code", sts.totp(), "--format", "json"],
                              env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
        assert done.returncode == 0, done.stderr
        assert time.time() - started < 20, "the next refresh did not wait for a dead holder"
        assert sts.count("GetSessionToken") == 1
    finally:
        try:
            os.killpg(holder.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
