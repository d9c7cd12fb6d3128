"""Tests of the STS/IAM test peer itself (moto behind stsgate), with botocore, raw
SigV4 requests and the real `aws` CLI.  Each asserts something the gate could get wrong."""
from __future__ import annotations

import email.utils
import http.client
import json
import re
import shutil
import subprocess
import time
import uuid
from urllib.parse import urlencode, urlsplit

import botocore.exceptions
import botocore.parsers
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MSG_INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MSG_SERIAL = ("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your "
              "MFA serial number is valid and associated with this user.")
VERSIONS = {"sts": "2011-06-15", "iam": "2010-05-08"}


# ----------------------------------------------------------------------------- helpers

def fresh_step(margin: float = 3.0):
    """Wait out the end of a 30 s step so codes computed now stay current for a while."""
    left = 30 - (time.time() % 30)
    if left < margin:
        time.sleep(left + 0.05)


def raw(url, action, params=None, akid=None, secret=None, token=None, service="sts",
        region="us-east-1", tamper=None, timeout=10):
    """POST a SigV4-signed query-protocol request; returns (status, headers dict, body bytes)."""
    body = urlencode({"Action": action, "Version": VERSIONS[service], **(params or {})})
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(akid, secret, token), service, region).add_auth(req)
    headers = dict(req.headers.items())
    if tamper:
        body, headers = tamper(body, headers)
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def xml_field(body: bytes, tag: str) -> str | None:
    m = re.search(rb"<" + tag.encode() + rb">(.*?)</" + tag.encode() + rb">", body, re.S)
    return m.group(1).decode() if m else None


def gst(w, code=None, serial=None, duration=None, **kw):
    p = {}
    if code is not None:
        p["SerialNumber"] = serial or w.mfa_serial
        p["TokenCode"] = code
    if duration is not None:
        p["DurationSeconds"] = str(duration)
    return raw(w.gate_url, "GetSessionToken", p, w.access_key_id, w.secret_access_key, **kw)


def session(w, code=None, duration=None):
    """GetSessionToken through boto3; returns the Credentials dict."""
    kw = {}
    if code is not None:
        kw.update(SerialNumber=w.mfa_serial, TokenCode=code)
    if duration is not None:
        kw["DurationSeconds"] = duration
    return w.client("sts").get_session_token(**kw)["Credentials"]


def client_for(w, service, c, **kw):
    return w.client(service, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], **kw)


def error_of(excinfo):
    e = excinfo.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]["Message"]


# ----------------------------------------------------------------------------- GetSessionToken

def test_correct_code_mints_unique_session_credentials(sts):
    fresh_step()
    codes = [sts.totp(-1), sts.totp(0), sts.totp(1)]  # one step either side is accepted
    t0 = time.time()
    answers = [gst(sts, c, duration=3600) for c in codes]
    for st, _, body in answers:
        assert st == 200, body
    keys = [xml_field(b, "AccessKeyId") for _, _, b in answers]
    secrets_ = {xml_field(b, "SecretAccessKey") for _, _, b in answers}
    tokens = {xml_field(b, "SessionToken") for _, _, b in answers}
    assert len(set(keys)) == 3 and len(secrets_) == 3 and len(tokens) == 3
    for k in keys:
        assert re.fullmatch(r"ASIA[A-Z2-7]{16}", k), k
        assert k != "AKIAIOSFODNN7EXAMPLE"
    exp = xml_field(answers[0][2], "Expiration")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", exp), exp  # ms precision
    exp_t = time.mktime(time.strptime(exp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(exp_t - (t0 + 3600)) < 30
    assert b"<GetSessionTokenResponse" in answers[0][2] and b"<RequestId>" in answers[0][2]
    log = sts.requests("GetSessionToken")
    assert [e["status"] for e in log] == [200, 200, 200]
    assert [e["token_code"] for e in log] == codes
    assert all(e["access_key_id"] == sts.access_key_id and e["serial_number"] == sts.mfa_serial
               for e in log)
    assert [e["duration_seconds"] for e in log] == ["3600"] * 3


def test_session_credentials_sign_get_caller_identity_and_assume_role(sts):
    fresh_step()
    c = session(sts, sts.totp())
    ident = client_for(sts, "sts", c).get_caller_identity()
    assert ident["Arn"] == sts.user_arn
    assert ident["Account"] == sts.account_id
    role = client_for(sts, "sts", c).assume_role(RoleArn=sts.role_arn, RoleSessionName="awsmfa-test")
    assert role["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{sts.account_id}:assumed-role/admin/awsmfa-test"
    rc = role["Credentials"]
    assert client_for(sts, "sts", rc).get_caller_identity()["Arn"].endswith(":assumed-role/admin/awsmfa-test")
    # role chaining admin -> readonly
    ro = client_for(sts, "sts", rc).assume_role(RoleArn=sts.chained_role_arn, RoleSessionName="chain")
    assert ro["AssumedRoleUser"]["Arn"].endswith(":assumed-role/readonly/chain")
    # the IAM side works with the session too
    devs = client_for(sts, "iam", c).list_mfa_devices(UserName=sts.user_name)["MFADevices"]
    assert [d["SerialNumber"] for d in devs] == [sts.mfa_serial]
    signers = [e["access_key_id"] for e in sts.requests()]
    assert signers[1] == c["AccessKeyId"] and signers[2] == c["AccessKeyId"]


def test_wrong_code_is_access_denied_with_aws_message(sts):
    fresh_step()
    good = {sts.totp(-1), sts.totp(0), sts.totp(1)}
    wrong = next(f"{n:06d}" for n in range(123456, 999999) if f"{n:06d}" not in good)
    st, headers, body = gst(sts, wrong)
    assert st == 403
    assert xml_field(body, "Code") == "AccessDenied"
    assert xml_field(body, "Message") == MSG_INVALID
    assert b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' in body
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        session(sts, wrong)
    assert error_of(ei) == (403, "AccessDenied", MSG_INVALID)
    assert [e["status"] for e in sts.requests("GetSessionToken")] == [403, 403]


def test_codes_outside_one_step_are_refused(sts):
    fresh_step()
    for off in (-3, -2, 2, 3):
        code = sts.totp(off)
        if code in {sts.totp(-1), sts.totp(0), sts.totp(1)}:
            continue  # 1-in-a-million collision
        st, _, body = gst(sts, code)
        assert (st, xml_field(body, "Message")) == (403, MSG_INVALID), off


def test_reused_code_is_refused_then_next_step_works(sts):
    fresh_step()
    code, nxt = sts.totp(0), sts.totp(1)
    assert gst(sts, code)[0] == 200
    st, _, body = gst(sts, code)
    assert (st, xml_field(body, "Code"), xml_field(body, "Message")) == (403, "AccessDenied", MSG_INVALID)
    assert gst(sts, nxt)[0] == 200
    assert gst(sts, nxt)[0] == 403
    # a refused request does not consume a step: the previous step's code is still good
    assert gst(sts, sts.totp(-1))[0] == 200


def test_serial_not_of_this_user_is_refused(sts):
    fresh_step()
    st, _, body = gst(sts, sts.totp(), serial=f"arn:aws:iam::{sts.account_id}:mfa/mallory")
    assert (st, xml_field(body, "Code"), xml_field(body, "Message")) == (403, "AccessDenied", MSG_SERIAL)
    st, _, body = gst(sts, "12345")
    assert st == 400 and xml_field(body, "Code") == "ValidationError"
    assert "tokenCode" in xml_field(body, "Message")


def test_duration_limits(sts):
    for bad in (899, 129601):
        st, _, body = gst(sts, duration=bad)
        assert st == 400 and xml_field(body, "Code") == "ValidationError", body
        assert f"Value '{bad}' at 'durationSeconds'" in xml_field(body, "Message")
    t0 = time.time()
    st, _, body = gst(sts, duration=900)
    assert st == 200
    exp = xml_field(body, "Expiration")
    exp_t = time.mktime(time.strptime(exp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(exp_t - (t0 + 900)) < 30
    st, _, body = gst(sts)  # default 12 h
    exp_t = time.mktime(time.strptime(xml_field(body, "Expiration")[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert abs(exp_t - (t0 + 43200)) < 30


def test_get_session_token_with_session_credentials_is_refused(sts):
    fresh_step()
    c = session(sts, sts.totp())
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        client_for(sts, "sts", c).get_session_token()
    assert error_of(ei) == (403, "AccessDenied", "Cannot call GetSessionToken with session credentials")


# ----------------------------------------------------------------------------- authentication

def test_tampered_signature_is_refused_by_moto(sts):
    """moto's request authentication is ON: a wrong secret fails there (also directly)."""
    fresh_step()
    code = sts.totp()
    st, _, body = raw(sts.gate_url, "GetSessionToken", {"SerialNumber": sts.mfa_serial, "TokenCode": code},
                      sts.access_key_id, sts.secret_access_key[:-1] + "x")
    assert st == 403 and xml_field(body, "Code") == "SignatureDoesNotMatch", body
    # body changed after signing
    st, _, body = gst(sts, code, tamper=lambda b, h: (b + "&X=1", h))
    assert st == 403 and xml_field(body, "Code") == "SignatureDoesNotMatch"
    # straight at moto: auth really is on (unknown key and wrong secret both refused)
    st, _, body = raw(sts.moto_url, "ListUsers", {}, sts.access_key_id, "wrong", service="iam")
    assert st == 403 and b"SignatureDoesNotMatch" in body
    st, _, body = raw(sts.moto_url, "ListUsers", {}, "AKIANOTAKEY000000000", "x", service="iam")
    assert st == 403 and b"InvalidClientTokenId" in body
    # the refused GetSessionToken did not consume the code
    assert gst(sts, code)[0] == 200


def test_gate_verifies_session_credential_signatures(sts):
    fresh_step()
    c = session(sts, sts.totp())
    ak, sk, tok = c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]
    assert raw(sts.gate_url, "GetCallerIdentity", {}, ak, sk, tok)[0] == 200
    st, _, body = raw(sts.gate_url, "GetCallerIdentity", {}, ak, sk[:-1] + "x", tok)
    assert (st, xml_field(body, "Code")) == (403, "SignatureDoesNotMatch")
    st, _, body = raw(sts.gate_url, "GetCallerIdentity", {}, ak, sk, tok[:-4] + "AAAA")
    assert (st, xml_field(body, "Code")) == (403, "InvalidClientTokenId")
    st, _, body = raw(sts.gate_url, "ListUsers", {}, ak, sk, tok, service="iam",
                      tamper=lambda b, h: (b + "&MaxItems=1", h))
    assert (st, xml_field(body, "Code")) == (403, "SignatureDoesNotMatch")
    st, _, body = raw(sts.gate_url, "ListUsers", {}, ak, sk, tok, service="iam")
    assert st == 200 and b"<UserName>alice</UserName>" in body
    # old X-Amz-Date: AWS's "Signature expired" (15 min)
    old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 1200))
    st, _, body = raw(sts.gate_url, "GetCallerIdentity", {}, ak, sk, tok,
                      tamper=lambda b, h: (b, {**h, "X-Amz-Date": old}))
    assert st == 403 and xml_field(body, "Message").startswith(f"Signature expired: {old} is now earlier than")
    assert sts.expire_sessions(ak) == 1
    st, _, body = raw(sts.gate_url, "GetCallerIdentity", {}, ak, sk, tok)
    assert (st, xml_field(body, "Code")) == (403, "ExpiredToken")


# ----------------------------------------------------------------------------- AssumeRole

def test_assume_role_needs_mfa_per_trust_policy(sts):
    fresh_step()
    plain = sts.client("sts")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        plain.assume_role(RoleArn=sts.role_arn, RoleSessionName="nomfa")
    assert error_of(ei)[:2] == (403, "AccessDenied")
    # session without MFA -> still no MFA
    c = session(sts)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        client_for(sts, "sts", c).assume_role(RoleArn=sts.role_arn, RoleSessionName="nomfa")
    assert error_of(ei)[:2] == (403, "AccessDenied")
    # long-term key + code on AssumeRole itself: checked like GetSessionToken
    code = sts.totp()
    r = plain.assume_role(RoleArn=sts.role_arn, RoleSessionName="mfa", SerialNumber=sts.mfa_serial,
                          TokenCode=code, DurationSeconds=7200)
    left = r["Credentials"]["Expiration"].timestamp() - time.time()
    assert 7100 < left <= 7200  # long-term key: role max (12 h) applies, not the chaining cap
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        plain.assume_role(RoleArn=sts.role_arn, RoleSessionName="mfa", SerialNumber=sts.mfa_serial,
                          TokenCode=code)
    assert error_of(ei) == (403, "AccessDenied", MSG_INVALID)
    log = sts.requests("AssumeRole")
    assert [e["status"] for e in log] == [403, 403, 200, 403]
    assert log[2]["role_arn"] == sts.role_arn and log[2]["token_code"] == code


def test_assume_role_from_session_is_capped_at_one_hour(sts):
    fresh_step()
    c = session(sts, sts.totp())
    s = client_for(sts, "sts", c)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        s.assume_role(RoleArn=sts.role_arn, RoleSessionName="long", DurationSeconds=3601)
    assert error_of(ei) == (400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour "
                            "session limit for roles assumed by role chaining.")
    r = s.assume_role(RoleArn=sts.role_arn, RoleSessionName="ok", DurationSeconds=3600)
    assert 3500 < r["Credentials"]["Expiration"].timestamp() - time.time() <= 3600
    st, _, body = raw(sts.gate_url, "AssumeRole", {"RoleArn": sts.role_arn, "RoleSessionName": "short",
                                                  "DurationSeconds": "899"},
                      c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])  # botocore would refuse
    assert (st, xml_field(body, "Code")) == (400, "ValidationError")
    assert "Value '899' at 'durationSeconds'" in xml_field(body, "Message")


# ----------------------------------------------------------------------------- faults

def test_fault_throttle_500_503(sts):
    sts.fault("throttle", action="GetSessionToken")
    st, _, body = gst(sts)
    assert (st, xml_field(body, "Code"), xml_field(body, "Message")) == (400, "Throttling", "Rate exceeded")
    assert gst(sts)[0] == 200  # count=1: only the next one
    sts.fault("500", action="*", count=2)
    assert gst(sts)[0] == 500
    assert raw(sts.gate_url, "GetCallerIdentity", {}, sts.access_key_id, sts.secret_access_key)[0] == 500
    sts.fault("503", action="AssumeRole")
    assert gst(sts)[0] == 200  # other actions untouched
    st, _, body = raw(sts.gate_url, "AssumeRole", {"RoleArn": sts.role_arn, "RoleSessionName": "x1"},
                      sts.access_key_id, sts.secret_access_key)
    assert (st, xml_field(body, "Code")) == (503, "ServiceUnavailable")
    assert [e["fault"] for e in sts.requests()] == ["throttle", None, "500", "500", None, "503"]


def test_fault_throttle_is_retried_by_botocore(sts):
    fresh_step(6)
    sts.fault("throttle", action="GetSessionToken", count=2)
    c = sts.client("sts", retries=4).get_session_token(SerialNumber=sts.mfa_serial, TokenCode=sts.totp())
    assert c["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert [e["status"] for e in sts.requests("GetSessionToken")] == [400, 400, 200]


def test_fault_reset_slow_malformed_html_truncated(sts):
    sts.fault("reset", action="GetSessionToken")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError)):
        gst(sts)
    with pytest.raises((botocore.exceptions.ConnectionClosedError, botocore.exceptions.EndpointConnectionError)):
        sts.fault("reset", action="GetSessionToken")
        session(sts)
    sts.fault("slow", action="GetSessionToken", delay=1.5)
    t = time.time()
    assert gst(sts)[0] == 200
    assert time.time() - t >= 1.5
    sts.fault("slow", action="GetSessionToken", delay=3)
    with pytest.raises(TimeoutError):
        gst(sts, timeout=1)
    sts.fault("malformed", action="GetSessionToken")
    st, h, body = gst(sts)
    assert st == 200 and h["content-type"].startswith("text/xml")
    import xml.etree.ElementTree as ET
    with pytest.raises(ET.ParseError):
        ET.fromstring(body)
    sts.fault("malformed", action="GetSessionToken")
    with pytest.raises(botocore.parsers.ResponseParserError):
        session(sts)
    sts.fault("html", action="GetSessionToken")
    st, h, body = gst(sts)
    assert st == 200 and h["content-type"].startswith("text/html") and body.startswith(b"<!DOCTYPE html>")
    sts.fault("html", action="GetSessionToken", status=502)
    assert gst(sts)[0] == 502
    sts.fault("truncated", action="GetSessionToken")
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        gst(sts)
    assert sts.requests()[-1]["fault"] == "truncated"


def test_fault_skew(sts):
    sts.fault("skew", action="GetSessionToken", skew=3600)
    st, h, body = gst(sts)
    assert st == 403 and xml_field(body, "Code") == "SignatureDoesNotMatch"
    assert re.fullmatch(r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                        r"\(\d{8}T\d{6}Z - 15 min\.\)", xml_field(body, "Message"))
    server_date = email.utils.parsedate_to_datetime(h["date"]).timestamp()
    assert 3500 < server_date - time.time() < 3700
    assert gst(sts)[0] == 200


def test_bad_fault_kind_is_rejected(sts):
    with pytest.raises(RuntimeError):
        sts.fault("explode")


# ----------------------------------------------------------------------------- IAM MFA devices

def test_enable_mfa_device_checks_codes_and_registers_device(sts):
    import boto3  # noqa: F401
    from stsgate import totp
    iam = sts.client("iam")
    name = "bob" + uuid.uuid4().hex[:6]
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = dev["Base32StringSeed"].decode()
    assert len(seed) == 64
    fresh_step()
    s = totp.step_at()
    bad_pairs = [("000000", "111111"),
                 (totp.code_for_step(seed, s - 1), totp.code_for_step(seed, s + 1)),  # not consecutive
                 (totp.code_for_step(seed, s), totp.code_for_step(seed, s - 1))]      # wrong order
    for c1, c2 in bad_pairs:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            iam.enable_mfa_device(UserName=name, SerialNumber=dev["SerialNumber"],
                                  AuthenticationCode1=c1, AuthenticationCode2=c2)
        assert error_of(ei)[:2] == (403, "InvalidAuthenticationCode")
    assert iam.list_mfa_devices(UserName=name)["MFADevices"] == []  # moto never saw them
    iam.enable_mfa_device(UserName=name, SerialNumber=dev["SerialNumber"],
                          AuthenticationCode1=totp.code_for_step(seed, s - 1),
                          AuthenticationCode2=totp.code_for_step(seed, s))
    assert len(iam.list_mfa_devices(UserName=name)["MFADevices"]) == 1
    bob = sts.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    # the enabling codes are spent; the next step's code works
    with pytest.raises(botocore.exceptions.ClientError):
        bob.get_session_token(SerialNumber=dev["SerialNumber"], TokenCode=totp.code_for_step(seed, s))
    c = bob.get_session_token(SerialNumber=dev["SerialNumber"], TokenCode=totp.code_for_step(seed, s + 1))
    assert c["Credentials"]["AccessKeyId"].startswith("ASIA")
    # alice cannot use bob's device
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts.client("sts").get_session_token(SerialNumber=dev["SerialNumber"], TokenCode=sts.totp())
    assert error_of(ei) == (403, "AccessDenied", MSG_SERIAL)
    assert [e["status"] for e in sts.requests("EnableMFADevice")] == [403, 403, 403, 200]


def test_resync_mfa_device(sts):
    iam = sts.client("iam")
    fresh_step()
    s = sts.step()
    # the device's clock runs ~5 minutes ahead
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.resync_mfa_device(UserName=sts.user_name, SerialNumber=sts.mfa_serial,
                              AuthenticationCode1=sts.code_for_step(s + 10),
                              AuthenticationCode2=sts.code_for_step(s + 12))
    assert error_of(ei)[:2] == (403, "InvalidAuthenticationCode")
    before = gst(sts, sts.code_for_step(s + 11))
    assert before[0] == 403
    r = iam.resync_mfa_device(UserName=sts.user_name, SerialNumber=sts.mfa_serial,
                              AuthenticationCode1=sts.code_for_step(s + 9),
                              AuthenticationCode2=sts.code_for_step(s + 10))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert gst(sts, sts.code_for_step(s + 11))[0] == 200   # drift learned
    assert gst(sts, sts.code_for_step(s + 10))[0] == 403   # resync codes are spent
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.resync_mfa_device(UserName=sts.user_name, SerialNumber="arn:aws:iam::123456789012:mfa/nobody",
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert error_of(ei)[:2] == (404, "NoSuchEntity")


def test_reset_log_clears_steps_and_faults(sts):
    fresh_step()
    code = sts.totp()
    assert gst(sts, code)[0] == 200
    sts.fault("500", count=5)
    sts.reset_log()
    assert sts.requests() == []
    assert gst(sts, code)[0] == 200  # used steps forgotten, fault gone


# ----------------------------------------------------------------------------- real aws CLI

def test_aws_cli_against_gate(sts, aws_home):
    assert shutil.which("aws", path=aws_home.get("PATH")), "the aws CLI (awscli) is required"
    fresh_step(8)

    def aws(*args, env=aws_home):
        return subprocess.run(["aws", *args, "--output", "json"], env=env, capture_output=True,
                              text=True, timeout=60)

    code = sts.totp()
    p = aws("sts", "get-session-token", "--profile", "base", "--serial-number", sts.mfa_serial,
            "--token-code", code, "--duration-seconds", "900")
    assert p.returncode == 0, p.stderr
    c = json.loads(p.stdout)["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA")
    env2 = {k: v for k, v in aws_home.items() if k not in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    env2.update(AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
                AWS_SESSION_TOKEN=c["SessionToken"], AWS_CONFIG_FILE="/dev/null",
                AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    p = aws("sts", "get-caller-identity", env=env2)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Arn"] == sts.user_arn
    p = aws("sts", "get-session-token", "--profile", "base", "--serial-number", sts.mfa_serial,
            "--token-code", code)  # same code again: reused
    assert p.returncode != 0
    assert "AccessDenied" in p.stderr and MSG_INVALID.strip() in p.stderr
    # the admin profile has no mfa_serial: the CLI assumes without MFA and the trust policy refuses
    p = aws("sts", "get-caller-identity", "--profile", "admin")
    assert p.returncode != 0 and "AccessDenied" in p.stderr
    acts = [(e["action"], e["status"]) for e in sts.requests()]
    assert acts == [("GetSessionToken", 200), ("GetCallerIdentity", 200), ("GetSessionToken", 403),
                    ("AssumeRole", 403)]


def test_assume_role_answer_uses_aws_millisecond_expiration(sts):
    fresh_step()
    st, _, body = raw(sts.gate_url, "AssumeRole",
                      {"RoleArn": sts.role_arn, "RoleSessionName": "ms", "SerialNumber": sts.mfa_serial,
                       "TokenCode": sts.totp()}, sts.access_key_id, sts.secret_access_key)
    assert st == 200, body
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", xml_field(body, "Expiration"))
    assert xml_field(body, "AccessKeyId").startswith("ASIA")
