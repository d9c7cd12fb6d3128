"""`awsmfa exec --server PROFILE -- COMMAND` and `awsmfa serve PROFILE`: a container-credentials
endpoint on 127.0.0.1 that answers from the keyring, end to end with a real SDK (boto3), the AWS
CLI, the STS peer (moto behind the checking gate) and the real kernel keyring."""
from __future__ import annotations

import calendar
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
URI_RE = re.compile(r"http://127\.0\.0\.1:(\d{1,5})(/\S*)")
TOKEN_RE = re.compile(r"[\x21-\x7e]{16,}")          # visible ASCII, no CR/LF (botocore refuses those)
ABSENT_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
               "AWS_DEFAULT_PROFILE")
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
CREDENTIAL_FIELDS = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
ROLE_KEY_RE = re.compile(r"ASIA[A-Z0-9]{16}")
EXPIRATION_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
ERROR_FIELDS = {"code", "message"}
MAX_ERROR_BODY = 512
STATUS_OK = 200
STATUS_NO_TOKEN = 401
STATUS_WRONG_TOKEN = 403
STATUS_OTHER_PATH = 404
STATUS_NOT_LOOPBACK = 403
CONTAINER_METHOD = "container-role"                 # botocore's ContainerProvider.METHOD
ASSUMED_ROLE_ARN = "arn:aws:sts::{account}:assumed-role/admin/"
CHAINED_ROLE_MAX = 3600                             # role assumed from the MFA session
MFA_SESSION_MAX = 43200                             # base: GetSessionToken's default lifetime
ROLE_DURATION = 900                                 # duration_seconds (STS minimum)
REFRESH_WINDOW = 895                                # awsmfa_refresh_window: renew after 5 s
RENEW_EVERY = ROLE_DURATION - REFRESH_WINDOW
SDK_SECONDS = 20                                    # longer than 3 role credentials live here
SDK_INTERVAL = 0.5
MIN_DISTINCT_KEYS = 3
EXIT_STATUS = 7
MISSING_PROGRAM = "no-such-program-awsmfa"
MISSING_PROGRAM_EXIT = 127                          # as plain exec
REFUSED_CONNECTION = "ConnectionRefusedError"
NETNS_ADDRESS = "198.18.0.1"     # a non-loopback address, only inside a private network namespace
SERVE_FORMATS = [None, "bash", "zsh", "fish"]       # None: no --format; SHELL=/bin/bash, parent python
SERVE_SHELL = {None: "bash", "bash": "bash", "zsh": "zsh", "fish": "fish"}
EXPORT_PREFIX = {None: "export ", "bash": "export ", "zsh": "export ", "fish": None}
SERVE_EXIT_ON_SIGTERM = 0
IMMEDIATE_SIGTERM_TRIES = 5      # SIGTERM the moment the exports are out: no window to die in

# ---------------------------------------------------------------- what COMMAND runs
# Each child is a Python script; PRELUDE gives it the server's URL and token and one raw GET.
PRELUDE = r'''
import http.client, json, os, re, socket, sys, time
from urllib.parse import urlsplit

URI = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
TOKEN = os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
_u = urlsplit(URI)
HOST, PORT = _u.hostname, _u.port
PATH = (_u.path or "/") + ("?" + _u.query if _u.query else "")


def get(path=None, token=None, host=None, port=None, source=None):
    """One GET; token None sends no Authorization header."""
    conn = http.client.HTTPConnection(host or HOST, port or PORT, timeout=10,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request("GET", path or PATH, headers={} if token is None else {"Authorization": token})
        r = conn.getresponse()
        return {"status": r.status, "body": r.read().decode("utf-8", "replace")}
    except OSError as e:
        return {"error": type(e).__name__, "detail": str(e)}
    finally:
        conn.close()
'''

ENV_PROBE = PRELUDE + r'''
out = {"env": dict(os.environ), "get": get(token=TOKEN)}
import boto3
creds = boto3.Session().get_credentials()
out["boto3"] = None if creds is None else {
    "method": creds.method, "access_key": creds.get_frozen_credentials().access_key}
print(json.dumps(out))
'''

SDK_LOOP = r'''
import json, logging, sys, time
import boto3
from botocore.config import Config

out_path, seconds, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
warnings = []


class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.name + ": " + record.getMessage())


logging.getLogger("botocore").addHandler(Collect(level=logging.WARNING))
session = boto3.Session()                  # no explicit credentials: the provider chain
sts = session.client("sts", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
signed = []


def remember(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    signed.append(auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else None)


sts.meta.events.register("before-send.sts.GetCallerIdentity", remember)
calls = []
start = time.monotonic()
while time.monotonic() - start < seconds:
    call = {"t": time.time()}
    try:
        call["frozen_key"] = session.get_credentials().get_frozen_credentials().access_key
        n = len(signed)
        call["arn"] = sts.get_caller_identity()["Arn"]
        call["signed_key"] = signed[n] if len(signed) > n else None
        call["ok"] = True
    except Exception as e:
        call["ok"] = False
        call["error"] = type(e).__name__ + ": " + str(e)
    calls.append(call)
    time.sleep(interval)
creds = session.get_credentials()
with open(out_path, "w") as f:
    json.dump({"method": creds.method if creds else None, "calls": calls, "warnings": warnings,
               "seconds": time.monotonic() - start}, f)
'''

REFUSALS = PRELUDE + r'''
others = [p for p in ("/", PATH + "x", PATH + "/more", "/nope" + PATH) if p != PATH]
wrong = ["not-the-token", TOKEN[:-1], TOKEN + "0", TOKEN.swapcase() if TOKEN.swapcase() != TOKEN else TOKEN + "1"]
print(json.dumps({
    "token": TOKEN,
    "ok": get(token=TOKEN),
    "no_token": get(),
    "wrong_token": [get(token=t) for t in wrong],
    "other_path": [dict(get(path=p, token=TOKEN), path=p) for p in others],
}))
'''

LISTEN_PROBE = PRELUDE + r'''
def listening(table):
    found = []
    with open(table) as f:
        for line in list(f)[1:]:
            fields = line.split()
            addr, port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port, 16) == PORT:
                found.append(addr)
    return found


def ipv4(hex_addr):
    return ".".join(str(b) for b in reversed(bytes.fromhex(hex_addr)))


print(json.dumps({"port": PORT, "tcp": [ipv4(a) for a in listening("/proc/net/tcp")],
                  "tcp6": listening("/proc/net/tcp6"), "get": get(token=TOKEN)}))
'''

NETNS_PROBE = PRELUDE + r'''
other = sys.argv[1]
try:
    socket.create_connection((other, PORT), timeout=5).close()
    via_other = "connected"
except OSError as e:
    via_other = type(e).__name__
print(json.dumps({"via_other_address": via_other,
                  "from_other_source": get(token=TOKEN, source=other),
                  "from_loopback": get(token=TOKEN)}))
'''

SECRETS_PROBE = PRELUDE + r'''
out_path, pause = sys.argv[1], float(sys.argv[2])
seen = [get(token=TOKEN), get(token="wrong-" + TOKEN[:4]), get()]
time.sleep(pause)
seen.append(get(token=TOKEN))
with open(out_path, "w") as f:
    json.dump({"token": TOKEN, "answers": seen}, f)
'''

WIRE_PROBE = PRELUDE + r'''
def raw(payload, read_for=3.0, send_later=None):
    # Sends `payload` on one connection; returns what came back until the server closed
    # (closed=True) or `read_for` seconds passed.
    s = socket.create_connection((HOST, PORT), timeout=read_for)
    s.sendall(payload)
    if send_later:
        time.sleep(0.3)
        s.sendall(send_later)
    got, closed, end = b"", False, time.monotonic() + read_for
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            closed = True
            break
        got += chunk
    s.close()
    # A body runs straight into the next response's status line: find every status line.
    return {"statuses": [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", got)],
            "closed": closed, "close_header": b"Connection: close" in got}

req = ("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n" % (PATH, TOKEN)).encode()
out = {
    "keep_alive": raw(req, read_for=1.0, send_later=req),
    "pipelined": raw(req + req + req, read_for=1.0),
    "http10": raw(("GET %s HTTP/1.0\r\nAuthorization: %s\r\n\r\n" % (PATH, TOKEN)).encode()),
    "asks_close": raw(req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")),
    "not_http": raw(b"HELLO THERE\r\n\r\n"),
    "bare_lf": raw(b"GET / HTTP/1.1\nHost: x\n\n"),
    "huge_head": raw(b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n"),
    "smuggling": raw(("POST %s HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % PATH).encode()),
}
# A client that connects and says nothing must not hold up another one.
idle = socket.create_connection((HOST, PORT))
start = time.monotonic()
out["beside_idle"] = get(token=TOKEN)
out["beside_idle_seconds"] = time.monotonic() - start
idle.close()
print(json.dumps(out))
'''

PAIR_PROBE = PRELUDE + r'''
me, other, folder = sys.argv[1], sys.argv[2], sys.argv[3]
with open(os.path.join(folder, me + ".tmp"), "w") as f:
    json.dump({"uri": URI, "token": TOKEN, "port": PORT, "path": PATH}, f)
os.rename(os.path.join(folder, me + ".tmp"), os.path.join(folder, me + ".json"))
deadline = time.time() + 60
while not os.path.exists(os.path.join(folder, other + ".json")) and time.time() < deadline:
    time.sleep(0.05)
with open(os.path.join(folder, other + ".json")) as f:
    peer = json.load(f)
result = {"own": get(token=TOKEN),
          "own_server_other_token": get(token=peer["token"]),
          "other_server_own_token": get(port=peer["port"], path=peer["path"], token=TOKEN)}
with open(os.path.join(folder, me + ".result.json"), "w") as f:
    json.dump(result, f)
# Stay until the peer has asked too: both servers run at the same time throughout.
while not os.path.exists(os.path.join(folder, other + ".result.json")) and time.time() < deadline:
    time.sleep(0.05)
'''


# ---------------------------------------------------------------- helpers
def server_exec(profile: str, *command: str, code: str | None = None, options=()) -> list[str]:
    """exec --server [options] PROFILE [--code CODE] -- COMMAND…"""
    return ["exec", "--server", *options, profile, *(["--code", code] if code else []), "--", *command]


def script(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def child_env(aws_home: dict, keyring_name: str, extra: dict | None = None, drop=()) -> dict:
    env = {k: v for k, v in aws_home.items() if k not in drop}
    env["AWSMFA_KEYRING"] = keyring_name
    env.update(extra or {})
    return env


def append(path: str, text: str):
    with open(path, "a") as f:
        f.write(text)


def short_role_sessions(aws_home: dict):
    """admin's role credentials live 900 s and are renewed once fewer than 895 s remain."""
    config = open(aws_home["AWS_CONFIG_FILE"]).read()
    last_section = re.findall(r"^\[([^\]]*)\]", config, re.M)[-1]
    assert last_section == "profile admin", "the appended keys must land in [profile admin]"
    append(aws_home["AWS_CONFIG_FILE"],
           f"duration_seconds = {ROLE_DURATION}\nawsmfa_refresh_window = {REFRESH_WINDOW}\n")


def default_profile_that_would_shadow(aws_home: dict, sts):
    """A [default] profile with alice's long-term keys: an SDK that read it would sign as
    alice, not as the role the server hands out."""
    append(aws_home["AWS_SHARED_CREDENTIALS_FILE"],
           f"\n[default]\naws_access_key_id = {sts.access_key_id}\n"
           f"aws_secret_access_key = {sts.secret_access_key}\n")
    append(aws_home["AWS_CONFIG_FILE"], f"\n[default]\nregion = {sts.region}\n")


def cache(run, sts, profile: str) -> dict:
    done = run("env", profile, "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def port_of(uri: str) -> int:
    m = URI_RE.fullmatch(uri)
    assert m, f"{URI_VAR}={uri!r} is not http://127.0.0.1:PORT/PATH"
    return int(m.group(1))


def port_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def check_credentials(answer: dict, max_lifetime: int) -> dict:
    assert answer.get("status") == STATUS_OK, answer
    body = json.loads(answer["body"])
    assert CREDENTIAL_FIELDS <= set(body), body.keys()
    assert ROLE_KEY_RE.fullmatch(body["AccessKeyId"]), body["AccessKeyId"]
    assert body["SecretAccessKey"] and body["Token"]
    assert EXPIRATION_RE.fullmatch(body["Expiration"]), body["Expiration"]
    expires = calendar.timegm(time.strptime(body["Expiration"].split(".")[0].rstrip("Z"),
                                            "%Y-%m-%dT%H:%M:%S"))
    assert time.time() < expires <= time.time() + max_lifetime + 60, body["Expiration"]
    return body


def check_refusal(answer: dict, status: int, secrets: list[str]):
    assert answer.get("status") == status, answer
    assert len(answer["body"].encode()) <= MAX_ERROR_BODY, answer["body"]
    body = json.loads(answer["body"])
    assert isinstance(body, dict) and set(body) == ERROR_FIELDS, body
    assert all(isinstance(v, str) and v for v in body.values()), body
    for secret in secrets:
        assert secret not in answer["body"]


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Secrets (raw, JSON-escaped or percent-encoded) that appear in `text`."""
    found = []
    for s in secrets:
        for form in {s, s.replace("/", "\\/"), quote(s, safe="")}:
            if form and form in text:
                found.append(s[:6] + "…")
    return found


# ---------------------------------------------------------------- exec --server
def test_command_gets_the_server_and_no_credentials(awsmfa_bin, aws_home, keyring_name, sts, tmp_path):
    """The environment: URL + token, nothing that could shadow the server, the profile's region;
    boto3's default chain ends at the container provider even with a [default] profile, ambient
    keys, AWS_PROFILE, a container token file and a web-identity role around.
    (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not tried: left in place, it would send botocore
    to 169.254.170.2, off this machine.)"""
    default_profile_that_would_shadow(aws_home, sts)
    stale_token = tmp_path / "container-token"
    stale_token.write_text("stale-container-token")
    web_token = tmp_path / "web-identity-token"
    web_token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    ambient = {"AWS_PROFILE": "base", "AWS_DEFAULT_PROFILE": "base",
               "AWS_ACCESS_KEY_ID": sts.access_key_id, "AWS_SECRET_ACCESS_KEY": sts.secret_access_key,
               "AWS_SESSION_TOKEN": "stale-token",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(stale_token),
               "AWS_WEB_IDENTITY_TOKEN_FILE": str(web_token), "AWS_ROLE_ARN": sts.chained_role_arn}
    env = child_env(aws_home, keyring_name, ambient, drop=REGION_VARS)
    code = sts.totp()
    done = subprocess.run([awsmfa_bin, *server_exec("admin", sys.executable, script(tmp_path, "p.py", ENV_PROBE),
                                                    code=code)],
                          env=env, capture_output=True, text=True, timeout=90, start_new_session=True)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)          # stdout is the child's one JSON line, nothing else
    child = seen["env"]
    port_of(child.get(URI_VAR, ""))
    assert TOKEN_RE.fullmatch(child.get(TOKEN_VAR, "")), "the token is missing or not a plain header value"
    for name in ABSENT_VARS:
        assert name not in child, f"{name} reached the command"
    for name in REGION_VARS:
        assert child.get(name) == sts.region, f"{name} is not the profile's region"
    creds = check_credentials(seen["get"], CHAINED_ROLE_MAX)
    assert seen["boto3"] == {"method": CONTAINER_METHOD, "access_key": creds["AccessKeyId"]}
    gst = sts.requests("GetSessionToken")
    assert len(gst) == 1 and gst[0]["status"] == 200 and gst[0]["token_code"] == code
    assume = sts.requests("AssumeRole")
    assert len(assume) == 1 and assume[0]["access_key_id"] == gst[0]["minted"]


def test_sdk_client_outlives_the_role_credentials(run, sts, aws_home, tmp_path):
    """boto3 with no explicit credentials calls STS for 20 s while the role credentials are
    renewed every 5 s: every call works, the key changes, one GetSessionToken in all."""
    short_role_sessions(aws_home)
    out = tmp_path / "sdk.json"
    code = sts.totp()
    started = time.time()
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "sdk.py", SDK_LOOP), str(out),
                            str(SDK_SECONDS), str(SDK_INTERVAL), code=code), timeout=SDK_SECONDS + 90)
    wall = time.time() - started
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    report = json.loads(out.read_text())
    calls = report["calls"]
    assert report["method"] == CONTAINER_METHOD
    failed = [c for c in calls if not c["ok"]]
    assert not failed, failed[:3]
    assert report["warnings"] == [], "botocore could not refresh from the server: " + "; ".join(report["warnings"][:3])
    assert len(calls) >= SDK_SECONDS / (SDK_INTERVAL + 1)
    assert all(c["arn"].startswith(ASSUMED_ROLE_ARN.format(account=sts.account_id)) for c in calls)
    signed = [c["signed_key"] for c in calls]
    distinct = set(signed)
    assert len(distinct) >= MIN_DISTINCT_KEYS, f"the key changed only {len(distinct) - 1} times in {report['seconds']:.0f} s"
    assert len({c["frozen_key"] for c in calls}) >= MIN_DISTINCT_KEYS, "get_frozen_credentials saw no renewal"
    assert all(ROLE_KEY_RE.fullmatch(k) for k in distinct)
    # The gate saw exactly these calls, signed with exactly these keys.
    gci = sts.requests("GetCallerIdentity")
    assert [e["access_key_id"] for e in gci] == signed
    assert all(e["status"] == 200 for e in gci)
    gst = sts.requests("GetSessionToken")
    assert len(gst) == 1 and gst[0]["status"] == 200, "one MFA session for the whole run"
    assume = sts.requests("AssumeRole")
    assert all(e["status"] == 200 and e["access_key_id"] == gst[0]["minted"] for e in assume)
    assert all(e["role_arn"] == sts.role_arn and e["duration_seconds"] == str(ROLE_DURATION) for e in assume)
    # Renewed inside the refresh window only, not on every request.
    assert len(distinct) <= len(assume) <= wall / RENEW_EVERY + 2, (len(assume), wall)
    assert sts.secret_access_key not in done.stderr


def test_aws_cli_as_the_command(run, sts, aws_home):
    default_profile_that_would_shadow(aws_home, sts)
    cache(run, sts, "base")
    done = run(*server_exec("admin", "aws", "sts", "get-caller-identity", "--output", "json"), timeout=90)
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)
    assert identity["Arn"].startswith(ASSUMED_ROLE_ARN.format(account=sts.account_id)), identity
    gci = sts.requests("GetCallerIdentity")
    assert len(gci) == 1 and gci[0]["access_key_id"] != sts.access_key_id
    assert sts.count("GetSessionToken") == 1


def test_refusals_are_short_json_errors(run, sts, tmp_path):
    creds = cache(run, sts, "admin")
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "r.py", REFUSALS)))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    token = seen["token"]
    served = check_credentials(seen["ok"], CHAINED_ROLE_MAX)
    assert served["AccessKeyId"] == creds["AccessKeyId"], "the cached role session is served"
    secrets = [token, served["SecretAccessKey"], served["Token"], served["AccessKeyId"]]
    check_refusal(seen["no_token"], STATUS_NO_TOKEN, secrets)
    assert len(seen["wrong_token"]) == 4
    for answer in seen["wrong_token"]:
        check_refusal(answer, STATUS_WRONG_TOKEN, secrets)
    assert len(seen["other_path"]) >= 3
    for answer in seen["other_path"]:
        check_refusal(answer, STATUS_OTHER_PATH, secrets)


def test_the_server_speaks_strict_http_1_1(run, sts, tmp_path):
    """Keep-alive and pipelined requests are answered in order on one connection; HTTP/1.0 and
    `Connection: close` close it; anything that is not HTTP/1.1 (a bare LF, an oversized head,
    Content-Length beside chunked) gets one 400 and a closed connection; an idle connection
    does not delay another client."""
    cache(run, sts, "admin")
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "w.py", WIRE_PROBE)))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["keep_alive"]["statuses"] == [STATUS_OK, STATUS_OK], seen["keep_alive"]
    assert not seen["keep_alive"]["closed"], "an HTTP/1.1 connection stays open"
    assert seen["pipelined"]["statuses"] == [STATUS_OK] * 3, seen["pipelined"]
    for name in ("http10", "asks_close"):
        assert seen[name]["statuses"] == [STATUS_OK] and seen[name]["closed"], (name, seen[name])
        assert seen[name]["close_header"], name
    for name in ("not_http", "bare_lf", "huge_head", "smuggling"):
        assert seen[name]["statuses"] == [400] and seen[name]["closed"], (name, seen[name])
    assert seen["beside_idle"]["status"] == STATUS_OK and seen["beside_idle_seconds"] < 2


def test_listens_on_loopback_only_and_stops_with_the_command(run, sts, tmp_path):
    cache(run, sts, "admin")
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "l.py", LISTEN_PROBE)))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["tcp"] == ["127.0.0.1"], f"listening on {seen['tcp']}, not 127.0.0.1 only"
    assert seen["tcp6"] == [], "an IPv6 listener on the same port"
    check_credentials(seen["get"], CHAINED_ROLE_MAX)
    assert port_closed(seen["port"]), "the server outlived awsmfa"


def test_a_request_from_a_non_loopback_address_is_refused(run, sts, awsmfa_bin, aws_home, keyring_name, tmp_path):
    """In a network namespace of the test's own (only `lo`, with 127.0.0.1 and 198.18.0.1):
    198.18.0.1:PORT is not listening, and a request from 198.18.0.1 to 127.0.0.1 gets 403.
    awsmfa serves from the keyring there (the role session was cached outside)."""
    for tool in ("unshare", "ip"):
        assert shutil.which(tool), f"{tool} must be installed (util-linux, iproute2)"
    cache(run, sts, "admin")
    setup = f"ip link set lo up && ip addr add {NETNS_ADDRESS}/32 dev lo && exec \"$@\""
    argv = ["unshare", "--net", "--", "sh", "-c", setup, "sh", awsmfa_bin,
            *server_exec("admin", sys.executable, script(tmp_path, "n.py", NETNS_PROBE), NETNS_ADDRESS)]
    done = subprocess.run(argv, env=child_env(aws_home, keyring_name), capture_output=True, text=True,
                          timeout=60, start_new_session=True)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    check_credentials(seen["from_loopback"], CHAINED_ROLE_MAX)
    assert seen["via_other_address"] == REFUSED_CONNECTION, seen["via_other_address"]
    check_refusal(seen["from_other_source"], STATUS_NOT_LOOPBACK, [])


def test_exit_status_and_stdout_are_the_commands(run, sts):
    cache(run, sts, "admin")
    done = run(*server_exec("admin", "sh", "-c", f'printf "%s" "${URI_VAR}"; exit {EXIT_STATUS}'))
    assert done.returncode == EXIT_STATUS, done.stderr
    assert port_of(done.stdout), "stdout is exactly what the command printed"
    assert port_closed(port_of(done.stdout))
    missing = run(*server_exec("admin", MISSING_PROGRAM))
    assert missing.returncode == MISSING_PROGRAM_EXIT and MISSING_PROGRAM in missing.stderr


def test_stderr_never_shows_a_secret(run, sts, aws_home, tmp_path):
    """--verbose, a renewal, refused requests: neither stream shows a secret key, a session
    token or the server's token."""
    short_role_sessions(aws_home)
    out = tmp_path / "seen.json"
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "s.py", SECRETS_PROBE), str(out),
                            str(RENEW_EVERY + 2), code=sts.totp(), options=["--verbose"]), timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    seen = json.loads(out.read_text())
    first, wrong, none, later = seen["answers"]
    a, b = check_credentials(first, ROLE_DURATION), check_credentials(later, ROLE_DURATION)
    assert a["AccessKeyId"] != b["AccessKeyId"], "renewed inside the refresh window"
    assert wrong["status"] == STATUS_WRONG_TOKEN and none["status"] == STATUS_NO_TOKEN
    gst = sts.requests("GetSessionToken")
    assert len(gst) == 1
    mfa_session = sts.sessions()[gst[0]["minted"]]
    secrets = [seen["token"], a["SecretAccessKey"], a["Token"], b["SecretAccessKey"], b["Token"],
               mfa_session["secret"], mfa_session["token"], sts.secret_access_key]
    assert leaks(done.stderr, secrets) == [], done.stderr
    assert leaks(done.stdout, secrets) == []


def test_two_servers_at_once(run, sts, awsmfa_bin, aws_home, keyring_name, tmp_path):
    base = cache(run, sts, "base")
    probe = script(tmp_path, "pair.py", PAIR_PROBE)
    env = child_env(aws_home, keyring_name)
    procs = {name: subprocess.Popen([awsmfa_bin, *server_exec(name, sys.executable, probe, name, other,
                                                              str(tmp_path))],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
             for name, other in (("admin", "base"), ("base", "admin"))}
    outputs = {}
    try:
        for name, proc in procs.items():
            outputs[name] = proc.communicate(timeout=90)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for name, proc in procs.items():
        assert proc.returncode == 0, (name, outputs[name][1])
    info = {n: json.loads((tmp_path / f"{n}.json").read_text()) for n in procs}
    result = {n: json.loads((tmp_path / f"{n}.result.json").read_text()) for n in procs}
    assert info["admin"]["port"] != info["base"]["port"]
    assert info["admin"]["token"] != info["base"]["token"]
    admin_creds = check_credentials(result["admin"]["own"], CHAINED_ROLE_MAX)
    base_creds = check_credentials(result["base"]["own"], MFA_SESSION_MAX)
    assert base_creds["AccessKeyId"] == base["AccessKeyId"], "base is served its MFA session"
    assert admin_creds["AccessKeyId"] != base_creds["AccessKeyId"]
    for name in procs:
        assert result[name]["own_server_other_token"]["status"] == STATUS_WRONG_TOKEN
        assert result[name]["other_server_own_token"]["status"] == STATUS_WRONG_TOKEN
    assert sts.count("GetSessionToken") == 1
    assert sts.count("AssumeRole") == 1


# ---------------------------------------------------------------- serve
def read_exports(proc: subprocess.Popen, timeout: float = 30) -> list[str]:
    """Lines from serve's stdout until both variables are named (serve keeps running)."""
    lines, buf = [], b""
    deadline = time.time() + timeout
    fd = proc.stdout.fileno()
    while time.time() < deadline and not all(any(v in l for l in lines) for v in (URI_VAR, TOKEN_VAR)):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {proc.stderr.read()!r}"
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            proc.wait(10)
            raise AssertionError(f"serve closed stdout after {lines!r}, exit {proc.returncode}: "
                                 f"{proc.stderr.read()!r}")
        buf += chunk
        *complete, buf = buf.split(b"\n")
        lines += [l.decode() for l in complete if l.strip()]
    assert all(any(v in l for l in lines) for v in (URI_VAR, TOKEN_VAR)), f"serve printed {lines!r}"
    return lines


def evaluate(shell: str, lines: list[str], tmp_path) -> dict:
    """The environment a real `shell` exports after reading `lines`."""
    assert shutil.which(shell), f"{shell} must be installed"
    src = tmp_path / f"exports.{shell}"
    src.write_text("\n".join(lines) + "\n")
    done = subprocess.run([shell, "-c", f"source {src}; env -0"], capture_output=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr.decode()
    return dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)


def start_serve(awsmfa_bin, aws_home, keyring_name, *extra) -> subprocess.Popen:
    env = child_env(aws_home, keyring_name, {"SHELL": "/bin/bash"})
    return subprocess.Popen([awsmfa_bin, "serve", "admin", *extra], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def raw_get(uri: str, token: str) -> dict:
    import http.client
    from urllib.parse import urlsplit
    u = urlsplit(uri)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("GET", (u.path or "/") + ("?" + u.query if u.query else ""),
                     headers={"Authorization": token})
        r = conn.getresponse()
        return {"status": r.status, "body": r.read().decode("utf-8", "replace")}
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", SERVE_FORMATS, ids=[f or "default" for f in SERVE_FORMATS])
def test_serve_prints_exports_serves_and_exits_0_on_sigterm(fmt, run, sts, awsmfa_bin, aws_home,
                                                           keyring_name, tmp_path):
    creds = cache(run, sts, "admin")
    proc = start_serve(awsmfa_bin, aws_home, keyring_name, *(["--format", fmt] if fmt else []))
    try:
        lines = read_exports(proc)
        if EXPORT_PREFIX[fmt]:
            assert all(l.startswith(EXPORT_PREFIX[fmt]) for l in lines), lines
        exported = evaluate(SERVE_SHELL[fmt], lines, tmp_path)
        uri, token = exported[URI_VAR], exported[TOKEN_VAR]
        port = port_of(uri)
        assert TOKEN_RE.fullmatch(token)
        first = check_credentials(raw_get(uri, token), CHAINED_ROLE_MAX)
        assert first["AccessKeyId"] == creds["AccessKeyId"]
        time.sleep(1)
        assert proc.poll() is None, "serve keeps serving"
        check_credentials(raw_get(uri, token), CHAINED_ROLE_MAX)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == SERVE_EXIT_ON_SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rest, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    assert rest.strip() == "", f"serve printed more than the exports: {rest!r}"
    assert len(lines) == 2, lines
    assert port_closed(port)
    assert leaks(err, [token, first["SecretAccessKey"], first["Token"]]) == [], err


def test_serve_exits_0_on_sigterm_sent_as_soon_as_the_exports_are_out(run, sts, awsmfa_bin, aws_home,
                                                                       keyring_name):
    """Once the exports are printed a script may stop serve at any moment: the signal must
    already be handled then (a race here kills serve by SIGTERM's default action)."""
    cache(run, sts, "admin")
    codes = []
    for _ in range(IMMEDIATE_SIGTERM_TRIES):
        proc = start_serve(awsmfa_bin, aws_home, keyring_name)
        try:
            read_exports(proc)
            proc.send_signal(signal.SIGTERM)
            codes.append(proc.wait(10))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert codes == [SERVE_EXIT_ON_SIGTERM] * IMMEDIATE_SIGTERM_TRIES, codes


def test_serve_stops_on_sigint(run, sts, awsmfa_bin, aws_home, keyring_name, tmp_path):
    cache(run, sts, "admin")
    proc = start_serve(awsmfa_bin, aws_home, keyring_name)
    try:
        exported = evaluate("bash", read_exports(proc), tmp_path)
        port = port_of(exported[URI_VAR])
        assert raw_get(exported[URI_VAR], exported[TOKEN_VAR])["status"] == STATUS_OK
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert port_closed(port)


MFA_ENDED_PROBE = PRELUDE + r'''
import subprocess
answers = [get(token=TOKEN)]
# The MFA session and the role credentials leave the keyring, as when the session expires.
subprocess.run([sys.argv[2], "clear", "--all"], check=True, capture_output=True)
answers += [get(token=TOKEN) for _ in range(3)]
open(sys.argv[1], "w").write(json.dumps(answers))
'''
STATUS_MFA_ENDED = 503
MFA_ENDED_CODE = "MFASessionEnded"


def test_an_ended_mfa_session_is_a_clear_error_to_the_sdk_and_one_line(run, sts, awsmfa_bin,
                                                                       tmp_path):
    """No YubiKey, no terminal to ask on: when the MFA session is gone the SDK gets a 503 that
    says what to run, and stderr one line however often the SDK retries."""
    cache(run, sts, "admin")
    out = tmp_path / "answers.json"
    done = run(*server_exec("admin", sys.executable, script(tmp_path, "e.py", MFA_ENDED_PROBE),
                            str(out), awsmfa_bin), timeout=90)
    assert done.returncode == 0, done.stderr
    first, *later = json.loads(out.read_text())
    assert first["status"] == STATUS_OK
    for answer in later:
        assert answer["status"] == STATUS_MFA_ENDED, answer
        body = json.loads(answer["body"])
        assert body["code"] == MFA_ENDED_CODE and "awsmfa env admin" in body["message"], body
    lines = [line for line in done.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("awsmfa: server: ") and "admin" in lines[0], done.stderr
    assert sts.count("GetSessionToken") == 1
