"""Shared fixtures: the peers (STS gate over moto, virtual YubiKey) and the awsmfa binary."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

pytest_plugins = ["fixtures_sts", "fixtures_card"]

ROOT = Path(__file__).resolve().parents[2]


def _build_dir() -> Path:
    # AWSMFA_BIN_DIR lets the suite run against an installed or release build.
    return Path(os.environ.get("AWSMFA_BIN_DIR", ROOT / ".build" / "debug"))


@pytest.fixture(scope="session")
def awsmfa_bin() -> str:
    path = _build_dir() / "awsmfa"
    if not (path.exists() and (path.parent / "awsmfa-cli").exists()):
        pytest.fail(f"{path} and awsmfa-cli are missing: run `swift build` first", pytrace=False)
    return str(path)


@pytest.fixture
def keyring_name():
    """A keyring of the test's own under @u, so tests never share (or wipe) a real cache."""
    name = f"awsmfa-test-{uuid.uuid4().hex[:8]}"
    yield name
    found = subprocess.run(["keyctl", "search", "@u", "keyring", name], capture_output=True, text=True)
    if found.returncode == 0:
        subprocess.run(["keyctl", "unlink", found.stdout.strip(), "@u"], capture_output=True)


@pytest.fixture
def run(awsmfa_bin, aws_home, keyring_name):
    """Runs awsmfa with the test HOME and keyring; returns the CompletedProcess (text mode)."""

    def _run(*args, env=None, input=None, timeout=60, new_session=True):
        full = dict(aws_home)
        full["AWSMFA_KEYRING"] = keyring_name
        full.update(env or {})
        # A new session has no controlling terminal, like cron or CI: no prompt can appear.
        return subprocess.run(
            [awsmfa_bin, *args], env=full, input=input, capture_output=True, text=True,
            timeout=timeout, start_new_session=new_session)

    return _run
