"""`awsmfa login PROFILE [--print] [--destination URL]`: a console sign-in URL from the role
session, through a fake federation endpoint (e2e/peers/federation) and the STS peer."""
from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

_PEERS = str(Path(__file__).resolve().parent.parent / "peers")
if _PEERS not in sys.path:
    sys.path.insert(0, _PEERS)

from federation import FakeFederation  # noqa: E402

SIGNIN_VAR = "AWS_ENDPOINT_URL_SIGNIN"
FEDERATION_PATH = "/federation"
GET_TOKEN_PARAMS = ["Action", "Session"]          # what getSigninToken carries, in this order
GET_TOKEN_ACTION = "getSigninToken"
LOGIN_PARAMS = ["Action", "Issuer", "Destination", "SigninToken"]
LOGIN_ACTION = "login"
ISSUER = "awsmfa"
DEFAULT_DESTINATION = "https://console.aws.amazon.com/"
CUSTOM_DESTINATION = ("https://us-east-1.console.aws.amazon.com/s3/buckets/my-bucket"
                      "?region=us-east-1&tab=objects#top")
# RFC 3986 unreserved characters or %XX: what a url-encoded query value may hold.
ENCODED_VALUE = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*")
NOT_A_ROLE_EXIT = 78
NOT_A_ROLE_FRAGMENT = "role"
UNUSABLE_ANSWERS = [       # fake mode -> awsmfa's exit code
    ("error500", 75),      # the endpoint failed: unavailable (as STS 5xx)
    ("html", 76),          # 200 but not JSON: protocol error
    ("no_token", 76),      # JSON without SigninToken: protocol error
]
UNREACHABLE_URL = "http://127.0.0.1:9"
UNREACHABLE_EXIT = 75
MAX_ATTEMPTS = 3           # at most as many tries as awsmfa gives STS


@pytest.fixture
def fed():
    server = FakeFederation.start()
    yield server
    server.stop()


def cache_admin(run, sts) -> dict:
    """The admin role session in the keyring, as `env admin` exports it."""
    done = run("env", "admin", "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def secrets_of(creds: dict) -> list[str]:
    out = []
    for value in (creds["SecretAccessKey"], creds["SessionToken"]):
        out += [value, quote(value, safe=""), json.dumps(value)[1:-1]]
    return out


def one_line(text: str) -> bool:
    return text.endswith("\n") and text.count("\n") == 1 and text.strip() != ""


def raw_query(url: str) -> list[tuple[str, str]]:
    """The query's name=value pairs exactly as written (not decoded)."""
    query = urlsplit(url).query
    return [tuple(part.split("=", 1)) if "=" in part else (part, None) for part in query.split("&")]


def check_login_url(url: str, base: str, token: str, destination: str):
    """`url` is <base>/federation?Action=login&Issuer=awsmfa&Destination=<enc>&SigninToken=<enc>,
    and the fake redeems it to `destination`."""
    assert url.startswith(base + FEDERATION_PATH + "?"), url
    parts = urlsplit(url)
    assert parts.fragment == "", f"an unencoded '#' cut the URL: {url}"
    pairs = raw_query(url)
    assert [name for name, _ in pairs] == LOGIN_PARAMS, url
    values = dict(pairs)
    assert values["Action"] == LOGIN_ACTION
    assert values["Issuer"] == ISSUER
    for name, expected in (("Destination", destination), ("SigninToken", token)):
        raw = values[name]
        assert raw is not None and ENCODED_VALUE.fullmatch(raw), f"{name} is not url-encoded: {raw!r}"
        assert unquote(raw) == expected, (name, raw)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=10)
        raise AssertionError("the fake did not redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302, (e.code, e.read())
        assert e.headers["Location"] == destination


def check_get_token_request(entry: dict, creds: dict):
    assert entry["method"] == "GET" and entry["path"].startswith(FEDERATION_PATH + "?")
    assert [name for name, _ in entry["params"]] == GET_TOKEN_PARAMS, entry["params"]
    assert entry["action"] == GET_TOKEN_ACTION
    assert entry["error"] is None, entry["error"]
    assert entry["session"] == {"sessionId": creds["AccessKeyId"],
                                "sessionKey": creds["SecretAccessKey"],
                                "sessionToken": creds["SessionToken"]}


@pytest.mark.parametrize("destination", [None, CUSTOM_DESTINATION], ids=["default", "custom"])
def test_print_gives_one_signin_url_for_the_cached_role_session(destination, run, sts, fed):
    creds = cache_admin(run, sts)
    before = sts.count()
    args = ["login", "admin", "--print"] + (["--destination", destination] if destination else [])
    done = run(*args, env={SIGNIN_VAR: fed.url})
    assert done.returncode == 0, done.stderr
    assert one_line(done.stdout), done.stdout
    assert sts.count() == before, "login must use the cached role session, not STS"
    log = fed.log
    assert len(log) == 1, log
    check_get_token_request(log[0], creds)
    assert fed.issued == [log[0]["issued"]]
    check_login_url(done.stdout.strip(), fed.url, fed.issued[0], destination or DEFAULT_DESTINATION)
    for secret in secrets_of(creds):
        assert secret not in done.stderr and secret not in done.stdout
    # The same role session is still what `env admin` exports.
    again = run("env", "admin", "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["AccessKeyId"] == creds["AccessKeyId"]


def test_without_print_runs_xdg_open_with_the_url(run, sts, fed, aws_home, tmp_path):
    creds = cache_admin(run, sts)
    record = tmp_path / "xdg-open.argv"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(f"#!{sys.executable}\nimport json, sys\n"
                      f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    opener.chmod(0o755)
    done = run("login", "admin", env={SIGNIN_VAR: fed.url,
                                      "PATH": f"{bin_dir}{os.pathsep}{aws_home['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    deadline = time.time() + 10
    while not record.exists() and time.time() < deadline:
        time.sleep(0.05)
    argv = json.loads(record.read_text())
    assert len(argv) == 1, argv
    assert len(fed.sessions) == 1 and fed.sessions[0]["sessionId"] == creds["AccessKeyId"]
    check_login_url(argv[0], fed.url, fed.issued[-1], DEFAULT_DESTINATION)
    for secret in secrets_of(creds):
        assert secret not in done.stderr


@pytest.mark.parametrize("print_flag", [True, False], ids=["print", "open"])
def test_a_profile_without_a_role_is_refused(print_flag, run, sts, fed, aws_home, tmp_path):
    record = tmp_path / "xdg-open.argv"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "xdg-open").write_text(f"#!/bin/sh\ntouch {record}\n")
    (bin_dir / "xdg-open").chmod(0o755)
    done = run("login", "base", *(["--print"] if print_flag else []),
               env={SIGNIN_VAR: fed.url, "PATH": f"{bin_dir}{os.pathsep}{aws_home['PATH']}"})
    assert done.returncode == NOT_A_ROLE_EXIT, done.stderr
    assert done.stdout == ""
    assert one_line(done.stderr), done.stderr
    assert NOT_A_ROLE_FRAGMENT in done.stderr
    assert fed.count() == 0, "no federation request for a profile without a role"
    assert sts.count() == 0, "a profile that cannot sign in needs no MFA session"
    assert not record.exists()


@pytest.mark.parametrize("mode,exit_code", UNUSABLE_ANSWERS, ids=[m for m, _ in UNUSABLE_ANSWERS])
def test_an_unusable_federation_answer_fails_with_one_line(mode, exit_code, run, sts, fed):
    creds = cache_admin(run, sts)
    fed.set_mode(mode)
    done = run("login", "admin", "--print", env={SIGNIN_VAR: fed.url})
    assert done.returncode == exit_code, done.stderr
    assert done.stdout == ""
    assert one_line(done.stderr), done.stderr
    log = fed.log
    assert 1 <= len(log) <= MAX_ATTEMPTS, log
    for entry in log:
        check_get_token_request(entry, creds)
    for secret in secrets_of(creds):
        assert secret not in done.stderr


def test_an_unreachable_federation_endpoint_fails_fast(run, sts):
    creds = cache_admin(run, sts)
    started = time.time()
    done = run("login", "admin", "--print", env={SIGNIN_VAR: UNREACHABLE_URL})
    assert time.time() - started < 10
    assert done.returncode == UNREACHABLE_EXIT, done.stderr
    assert done.stdout == ""
    assert one_line(done.stderr), done.stderr
    for secret in secrets_of(creds):
        assert secret not in done.stderr
