"""pytest fixtures for the STS/IAM test peer (moto behind stsgate).

Loaded through `pytest_plugins = ["fixtures_sts"]` in e2e/integration/conftest.py.

  sts_world  (session)  a running stsgate.world.World: moto + gate, alice, her MFA device,
                        roles admin/readonly; moto request authentication ON.
  sts        (function) the same World, with the gate's log, used TOTP steps and faults
                        cleared before the test.
  aws_home   (function) env dict for a subprocess: temp HOME with ~/.aws/config and
                        ~/.aws/credentials for alice (profiles base, admin), endpoint = gate,
                        no ambient AWS_* credentials.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_PEERS = str(Path(__file__).resolve().parent.parent / "peers")
if _PEERS not in sys.path:
    sys.path.insert(0, _PEERS)


@pytest.fixture(scope="session")
def sts_world(tmp_path_factory):
    try:
        import moto  # noqa: F401
        import boto3  # noqa: F401
    except ImportError as e:
        pytest.fail(f"the STS test peer needs moto and boto3 importable by {sys.executable} "
                    f"(pip install 'moto[server]' boto3): {e}", pytrace=False)
    from stsgate.world import World

    log_dir = tmp_path_factory.mktemp("stsgate")
    try:
        world = World.start(log_dir=str(log_dir))
    except Exception as e:
        pytest.fail(f"could not start moto + stsgate: {e}", pytrace=False)
    yield world
    world.stop()


@pytest.fixture
def sts(sts_world):
    if not sts_world.alive():
        pytest.fail(f"moto or stsgate died; logs in {sts_world.log_dir}", pytrace=False)
    sts_world.reset_log()
    yield sts_world


@pytest.fixture
def aws_home(tmp_path, sts):
    """Env for running a client (awsmfa, aws CLI) against the gate as alice.

    Profiles:  [profile base]  region + mfa_serial, keys in credentials [base]
               [profile admin] role_arn = role/admin, source_profile = base
    """
    home = tmp_path / "home"
    aws = home / ".aws"
    aws.mkdir(parents=True)
    config = aws / "config"
    creds = aws / "credentials"
    config.write_text(
        "[profile base]\n"
        f"region = {sts.region}\n"
        f"mfa_serial = {sts.mfa_serial}\n"
        "\n"
        "[profile admin]\n"
        f"role_arn = {sts.role_arn}\n"
        "source_profile = base\n"
        f"region = {sts.region}\n"
    )
    creds.write_text(
        "[base]\n"
        f"aws_access_key_id = {sts.access_key_id}\n"
        f"aws_secret_access_key = {sts.secret_access_key}\n"
    )
    os.chmod(creds, 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("AWSMFA_")}
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_ENDPOINT_URL": sts.gate_url,
        "AWS_REGION": sts.region,
        "AWS_DEFAULT_REGION": sts.region,   # botocore/awscli v1 read only this one
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env
