"""`awsmfa device enroll|import|resync|list` against the gate over moto's IAM and a virtual YubiKey.

ykman is the independent witness of what landed on the key; the gate checks the enabling codes
against the seed it saw in CreateVirtualMFADevice, emulates ResyncMFADevice and checks
GetSessionToken codes (each step once).
"""

import base64
import difflib
import glob
import json
import os
import re
import time
import urllib.request
import uuid

import pexpect
import pytest

from fixtures_card import totp, totp_step

AWS = "Amazon Web Services"
ACCOUNT = "123456789012"
CONFIG = """\
# my AWS config: comments and order must survive
[default]
region = eu-west-1

[profile {user}]
region = us-east-1
output = json

; a profile that must not change
[profile other]
region = eu-central-1
mfa_serial = arn:aws:iam::{account}:mfa/someone
"""


def avoid_period_end(margin=8):
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.1)


@pytest.fixture
def user(sts, aws_home):
    """A fresh IAM user with long-term keys, a config with comments and another profile, and
    credentials for profile NAME; returns a dict of its facts."""
    iam = sts.client("iam")
    name = "bob" + uuid.uuid4().hex[:8]
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    config = aws_home["AWS_CONFIG_FILE"]
    with open(config, "w") as f:
        f.write(CONFIG.format(user=name, account=ACCOUNT))
    with open(aws_home["AWS_SHARED_CREDENTIALS_FILE"], "a") as f:
        f.write("\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (name, key["AccessKeyId"], key["SecretAccessKey"]))
    with open(config) as f:
        before = f.read()
    yield {"name": name, "config": config, "before": before, "iam": iam,
           "oath": "%s:%s@%s" % (AWS, name, ACCOUNT),
           "client": lambda service: sts.client(service, access_key_id=key["AccessKeyId"],
                                                secret_access_key=key["SecretAccessKey"])}


def gate_devices(sts):
    with urllib.request.urlopen(sts.gate_url + "/_gate/devices") as r:
        return json.load(r)


def serials_of(iam, name):
    virtual = [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    return [s for s in virtual if s.endswith("/" + name)]


def secret_on_key(vkey, name):
    return bytes.fromhex(vkey.credential(name)["secret"])


def test_enroll_end_to_end(sts, user, run, vkey, ykman):
    # with a single credential ykman would compute it, touch or not
    vkey.add_credential("GitHub", "bob")
    avoid_period_end()
    r = run("device", "enroll", user["name"])
    assert r.returncode == 0, r.stderr
    serial = "arn:aws:iam::%s:mfa/%s" % (ACCOUNT, user["name"])
    assert r.stdout == serial + "\n"

    # ykman sees the credential, with touch required
    listed = ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).split("\n")
    assert user["oath"] in listed
    # without a query ykman computes only credentials that need no touch
    shown = ykman.ok("oath", "accounts", "code", reader=vkey.reader_name)
    assert re.search(re.escape(user["oath"]) + r"\s+\[Requires Touch\]", shown), shown
    assert vkey.credential(user["oath"])["touch"] is True

    # the secret on the key is the seed IAM issued (as the gate learnt it) ...
    device = gate_devices(sts)[serial]
    assert device["enabled"] and device["user"] == user["name"]
    seed = base64.b32decode(device["seed"] + "=" * (-len(device["seed"]) % 8))
    assert secret_on_key(vkey, user["oath"]).rstrip(b"\0") == seed.rstrip(b"\0")
    # ... so ykman's code is the one the gate computes
    step = totp_step()
    theirs = ykman.ok("oath", "accounts", "code", "-s", user["oath"], reader=vkey.reader_name).strip()
    if totp_step() == step:
        assert theirs == totp(seed, step * 30)

    # enabled with two consecutive codes, then proven with a later step, each accepted once
    enable = sts.requests("EnableMFADevice")
    assert [e["status"] for e in enable] == [200]
    first, second = enable[0]["token_code"].split(",")
    gst = sts.requests("GetSessionToken")
    assert [(g["status"], g["serial_number"]) for g in gst] == [(200, serial)]
    s = next(s for s in range(step - 4, step + 2) if totp(seed, s * 30) == first)
    assert second == totp(seed, (s + 1) * 30)
    assert gst[0]["token_code"] == totp(seed, (s + 2) * 30)
    assert sorted(device["used"]) == [s, s + 1, s + 2]

    # the config diff is exactly the two keys in that profile; a backup holds the old text
    with open(user["config"]) as f:
        after = f.read()
    diff = [line for line in difflib.unified_diff(user["before"].splitlines(), after.splitlines(), n=0,
                                                   lineterm="") if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert diff == ["+mfa_serial = " + serial, "+awsmfa_oath_account = " + user["oath"]]
    assert after.index("mfa_serial = " + serial) < after.index("; a profile")
    backups = glob.glob(user["config"] + ".awsmfa-backup-*")
    assert len(backups) == 1
    with open(backups[0]) as f:
        assert f.read() == user["before"]

    # the session proven at enrolment is cached: env needs no second GetSessionToken
    sts.reset_log()
    r = run("env", user["name"], "--format", "json")
    assert r.returncode == 0, r.stderr
    assert sts.requests("GetSessionToken") == []
    assert json.loads(r.stdout)["AccessKeyId"].startswith("ASIA")

    # list shows the IAM device and the OATH credential, both used by the profile
    r = run("device", "list", user["name"])
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert ["IAM", serial, user["name"]] in rows
    assert any(row[-1] == user["name"] and user["oath"].split()[-1] in row for row in rows), r.stdout
    assert "mismatch" not in r.stdout


def test_enroll_no_touch(sts, user, run, vkey, ykman):
    vkey.add_credential("GitHub", "bob")
    avoid_period_end()
    r = run("device", "enroll", user["name"], "--no-touch", "--backup-qr")
    assert r.returncode == 0, r.stderr
    # no terminal: the QR code (it holds the secret) is never written to a pipe
    assert r.stdout.count("\n") == 1 and "\u2588" not in r.stdout + r.stderr
    assert "QR code is not shown" in r.stderr
    assert vkey.credential(user["oath"])["touch"] is False
    shown = ykman.ok("oath", "accounts", "code", reader=vkey.reader_name)
    assert re.search(re.escape(user["oath"]) + r"\s+\d{6}$", shown, re.M), shown


def test_enroll_on_a_terminal_asks_and_shows_the_qr_code(sts, user, awsmfa_bin, aws_home, keyring_name, vkey):
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    avoid_period_end()
    child = pexpect.spawn(awsmfa_bin, ["device", "enroll", user["name"], "--backup-qr"], env=env,
                          timeout=30, encoding="utf-8")
    child.expect(r"\[y/N\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0, output
    assert "Backup QR code" in output and "\u2588" * 20 in output, output
    assert vkey.credential(user["oath"])["touch"] is True


def test_failure_at_enable_undoes_everything(sts, user, run, vkey):
    vkey.add_credential("GitHub", "bob")
    before_creds = vkey.credentials()
    sts.fault("500", action="EnableMFADevice", count=10)
    avoid_period_end()
    r = run("device", "enroll", user["name"])
    sts.clear_faults()
    assert r.returncode == 75, r.stderr
    assert r.stdout == ""
    assert "Undone" in r.stderr and "deleted the IAM virtual MFA device" in r.stderr, r.stderr
    assert "deleted the OATH credential" in r.stderr
    assert len(sts.requests("CreateVirtualMFADevice")) == 1
    assert len(sts.requests("DeleteVirtualMFADevice")) == 1
    assert serials_of(user["iam"], user["name"]) == []
    assert user["iam"].list_mfa_devices(UserName=user["name"])["MFADevices"] == []
    assert vkey.credentials() == before_creds
    with open(user["config"]) as f:
        assert f.read() == user["before"]
    assert glob.glob(user["config"] + ".awsmfa-backup-*") == []


def test_refuses_to_overwrite_without_force(sts, user, run, vkey):
    vkey.add_credential(name=user["oath"], secret=b"old-secret-old-secret")
    r = run("device", "enroll", user["name"])
    assert r.returncode == 64, r.stderr
    assert "--force" in r.stderr
    assert sts.requests("CreateVirtualMFADevice") == []
    assert secret_on_key(vkey, user["oath"]).rstrip(b"\0") == b"old-secret-old-secret"
    avoid_period_end()
    r = run("device", "enroll", user["name"], "--force")
    assert r.returncode == 0, r.stderr
    assert secret_on_key(vkey, user["oath"]).rstrip(b"\0") != b"old-secret-old-secret"


def test_resync_against_the_gate(sts, aws_home, run, vkey):
    seed = base64.b32decode(sts.seed_base32 + "=" * (-len(sts.seed_base32) % 8))
    name = vkey.add_credential(AWS, "alice@" + ACCOUNT, secret=seed)
    avoid_period_end()
    step = totp_step()
    r = run("device", "resync", "base")
    assert r.returncode == 0, r.stderr
    calls = sts.requests("ResyncMFADevice")
    assert [c["status"] for c in calls] == [200]
    assert calls[0]["token_code"] == "%s,%s" % (totp(seed, (step - 1) * 30), totp(seed, step * 30))
    assert vkey.expected_code(name) == totp(seed)

    # a key holding the wrong secret is refused by the gate's emulation
    vkey.add_credential(AWS, "alice@" + ACCOUNT, secret=b"not-the-seed-not-the")
    r = run("device", "resync", "base")
    assert r.returncode == 77, r.stderr
    assert "InvalidAuthenticationCode" in r.stderr


def test_import_prints_two_consecutive_codes(awsmfa_bin, aws_home, keyring_name, vkey, ykman):
    secret = b"console-secret-key-40-bytes-long-abcdef"
    text = base64.b32encode(secret).decode().rstrip("=")
    # the console shows the key in groups of four
    pasted = " ".join(text[i:i + 4] for i in range(0, len(text), 4)).lower()
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    avoid_period_end()
    step = totp_step()
    child = pexpect.spawn(awsmfa_bin, ["device", "import", "root@" + ACCOUNT, "--no-touch"], env=env,
                          timeout=30, encoding="utf-8")
    child.expect("Secret key")
    child.sendline(pasted)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 0, output
    assert pasted not in output and text not in output
    codes = re.findall(r"MFA code ([12]): (\d{6})", output)
    assert [c[0] for c in codes] == ["1", "2"], output
    assert codes[0][1] == totp(secret, step * 30)
    assert codes[1][1] == totp(secret, (step + 1) * 30)
    name = "%s:root@%s" % (AWS, ACCOUNT)
    assert name in ykman.ok("oath", "accounts", "list", reader=vkey.reader_name).split("\n")
    theirs = ykman.ok("oath", "accounts", "code", "-s", name, reader=vkey.reader_name).strip()
    if totp_step() == step:
        assert theirs == codes[0][1]
