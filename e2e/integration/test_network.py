"""Real-network paths (issue 13): forward proxies (squid), CA bundles and TLS failures.

Peers (e2e/peers/tlsnet): a throw-away PKI; one TLS front per certificate kind relaying to the
STS gate; one squid with an open port and a basic-auth port, whose hosts_file alone maps
*.awsmfa-test.invalid to 127.0.0.1 (the names resolve nowhere else, so reaching a front by name
proves the proxy was used). The AWS CLI is the witness: every set-up is first shown to work (or
fail) with it, so an awsmfa failure here is awsmfa's.

Run:  python3 -m pytest e2e/integration/test_network.py -q -p no:cacheprovider -x
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tlsnet.front import TLSFront
from tlsnet.pki import HOST, PLAIN_HOST, ALL_HOSTS, make_pki
from tlsnet.squid import PeerMissing, Squid, free_port

# ------------------------------------------------------------------ awsmfa's messages
# Each failure is one stderr line starting PREFIX; these substrings (matched case-insensitively)
# must be in it. Adjust here if the wording changes.
PREFIX = "awsmfa: "
MSG_UNTRUSTED = "not trusted"           # certificate chain does not end at a trusted root
MSG_NAME_MISMATCH = "does not match"    # certificate is for another name (HOST is named too)
MSG_EXPIRED = "expired"                 # certificate's validity has ended
MSG_PROXY = "proxy"                     # any failure at the proxy
MSG_PROXY_407 = "407"                   # proxy refused the credentials (or their absence)
EXIT_UNAVAILABLE = 75                   # network / TLS / proxy failures
EXIT_CONFIG = 78                        # unusable CA bundle

PROXY_USER = "proxyuser"
PROXY_PASSWORD = "p@ss:w/rd"
PROXY_PASSWORD_ENCODED = urllib.parse.quote(PROXY_PASSWORD, safe="")   # p%40ss%3Aw%2Frd
WRONG_PASSWORD = "Wr0ng-Pa55"
DOWN_PASSWORD = "secret"
# Never in any awsmfa output: secrets, build paths, library names, library error codes.
NEVER_SHOWN = [PROXY_PASSWORD, PROXY_PASSWORD_ENCODED, ".build", "/usr/", "Sources/", "NIOSSL",
               "BoringSSL"]
LIBRARY_ERROR = re.compile(r"error:[0-9A-Fa-f]{6,8}:|OPENSSL_internal|SSL routines")

# ------------------------------------------------------------------ the AWS CLI's messages
# (witness: OpenSSL via Python's ssl; the front sees the client's TLS alert)
WITNESS_TLS = {
    "untrusted": ("unable to get local issuer certificate", "TLSV1_ALERT_UNKNOWN_CA"),
    # urllib3 matches the name itself after the handshake: the front sees a completed handshake
    # and then a close without a request.
    "wrongname": ("doesn't match", None),
    "expired": ("certificate has expired", "SSLV3_ALERT_CERTIFICATE_EXPIRED"),
}

ROOT = Path(__file__).resolve().parents[2]


# ====================================================================== peers
@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    try:
        import cryptography  # noqa: F401
    except ImportError as e:
        pytest.fail(f"the TLS peers need `cryptography` (a moto dependency): {e}", pytrace=False)
    return make_pki(str(tmp_path_factory.mktemp("tlsnet-pki")))


@pytest.fixture(scope="module")
def fronts(pki, sts_world):
    started = {}
    try:
        for kind, leaf in pki.leaves.items():
            started[kind] = TLSFront(leaf.cert, leaf.key, upstream=sts_world.gate_url, name=kind).start()
    except Exception as e:
        for f in started.values():
            f.stop()
        pytest.fail(f"could not start the TLS fronts: {e}", pytrace=False)
    yield started
    for f in started.values():
        f.stop()


@pytest.fixture(scope="module")
def proxy():
    try:
        squid = Squid(hosts=ALL_HOSTS, users={PROXY_USER: PROXY_PASSWORD}).start()
    except PeerMissing as e:
        pytest.fail(str(e), pytrace=False)
    except Exception as e:
        pytest.fail(f"could not start squid: {e}", pytrace=False)
    yield squid
    squid.stop()


class Net:
    """What one test needs of the peers, with the counters taken at its start."""

    def __init__(self, pki, fronts, proxy, sts, dead_port):
        self.pki, self.fronts, self.proxy, self.sts = pki, fronts, proxy, sts
        self.dead_port = dead_port
        self.mark = proxy.mark()

    def https(self, kind="good", host=HOST) -> str:
        return f"https://{host}:{self.fronts[kind].port}"

    @property
    def plain(self) -> str:
        return f"http://{PLAIN_HOST}:{self.sts.gate_port}"

    @property
    def direct(self) -> str:
        return f"http://127.0.0.1:{self.sts.gate_port}"

    @property
    def auth_proxy(self) -> str:
        return self.proxy.url("auth", PROXY_USER, PROXY_PASSWORD)

    @property
    def auth_address(self) -> str:
        return f"127.0.0.1:{self.proxy.auth_port}"

    @property
    def dead_proxy(self) -> str:
        return f"http://127.0.0.1:{self.dead_port}"

    def connects(self, count=1, port=None) -> list:
        """CONNECT lines squid logged since the test began (waits for `count`)."""
        return self.proxy.wait_entries(self.mark, count, port=port, method="CONNECT")

    def through_proxy(self) -> list:
        return self.proxy.since(self.mark)

    def front(self, kind="good") -> TLSFront:
        f = self.fronts[kind]
        f.wait_idle()
        return f


@pytest.fixture
def net(pki, fronts, proxy, sts, aws_home):
    for f in fronts.values():
        if not f.alive():
            pytest.fail(f"TLS front {f.name!r} died", pytrace=False)
        f.reset()
    if not proxy.alive():
        pytest.fail(f"squid died:\n{proxy.log_tail()}", pytrace=False)
    # Only what a test sets reaches STS: no ambient proxy, bundle or catch-all endpoint.
    for k in list(aws_home):
        if k.lower().endswith("_proxy") or k in ("AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
            del aws_home[k]
    aws_home["PCSCLITE_CSOCK_NAME"] = "/nonexistent/pcscd.comm"
    return Net(pki, fronts, proxy, sts, free_port())


def add_to_profile(aws_home, profile: str, line: str):
    path = Path(aws_home["AWS_CONFIG_FILE"])
    text = path.read_text()
    header = f"[profile {profile}]\n"
    assert header in text
    path.write_text(text.replace(header, header + line + "\n", 1))


def hosts_namespace(argv: list[str], tmp_path: Path) -> list[str]:
    """argv run in a private mount namespace whose /etc/hosts also maps the test names to
    127.0.0.1: the only way here to reach HOST without the proxy."""
    unshare = shutil.which("unshare")
    assert unshare, "unshare (util-linux) is needed to give one process its own /etc/hosts"
    hosts = tmp_path / "hosts"
    hosts.write_text(Path("/etc/hosts").read_text() + "".join(f"127.0.0.1 {h}\n" for h in ALL_HOSTS))
    return [unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            'mount --bind "$0" /etc/hosts && exec "$@"', str(hosts), *argv]


# ====================================================================== witness: the AWS CLI
def aws_cli(aws_home, env: dict, prefix: list[str] | None = None):
    aws = shutil.which("aws")
    assert aws, "the AWS CLI (pip awscli) must be on PATH: it is the witness of these set-ups"
    full = dict(aws_home, AWS_PROFILE="base", AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard")
    full.update(env)
    return subprocess.run([*(prefix or []), aws, "sts", "get-caller-identity", "--output", "json"],
                          env=full, capture_output=True, text=True, timeout=60)


def witness_ok(done, net):
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == net.sts.user_arn
    calls = net.sts.requests("GetCallerIdentity")
    assert len(calls) == 1 and calls[0]["status"] == 200, calls


def test_witness_through_the_auth_proxy_with_the_test_ca(net, aws_home):
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy,
                              "AWS_CA_BUNDLE": net.pki.ca})
    witness_ok(done, net)
    lines = net.connects(port=net.proxy.auth_port)
    assert [(e.url, e.status, e.user) for e in lines] == [
        (f"{HOST}:{net.fronts['good'].port}", 200, PROXY_USER)], lines
    front = net.front()
    assert front.accepted == 1 and front.handshakes[0]["ok"] and front.handshakes[0]["sni"] == HOST, \
        front.summary()
    assert [r["host"] for r in front.requests] == [f"{HOST}:{front.port}"]


def test_witness_ca_bundle_in_the_profile(net, aws_home):
    add_to_profile(aws_home, "base", f"ca_bundle = {net.pki.ca}")
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy})
    witness_ok(done, net)
    assert len(net.connects(port=net.proxy.auth_port)) == 1


@pytest.mark.parametrize("case", ["system-store", "other-ca-bundle", "leaf-of-other-ca", "wrongname",
                                  "expired"])
def test_witness_refuses_bad_certificates_in_one_handshake(case, net, aws_home):
    kind, bundle, why = {
        "system-store": ("good", None, "untrusted"),
        "other-ca-bundle": ("good", net.pki.rogue_ca, "untrusted"),
        "leaf-of-other-ca": ("untrusted", net.pki.ca, "untrusted"),
        "wrongname": ("wrongname", net.pki.ca, "wrongname"),
        "expired": ("expired", net.pki.ca, "expired"),
    }[case]
    env = {"AWS_ENDPOINT_URL_STS": net.https(kind), "HTTPS_PROXY": net.auth_proxy}
    if bundle:
        env["AWS_CA_BUNDLE"] = bundle
    done = aws_cli(aws_home, env)
    client_says, front_sees = WITNESS_TLS[why]
    assert done.returncode != 0 and client_says in done.stderr, done.stderr
    front = net.front(kind)
    assert front.accepted == 1, front.summary()
    if front_sees:
        assert front.handshakes[0]["error"] == front_sees, front.summary()
    assert front.requests == [] and net.sts.count() == 0
    assert len(net.connects(port=net.proxy.auth_port)) == 1


def test_witness_plain_http_through_http_proxy(net, aws_home):
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.plain, "HTTP_PROXY": net.proxy.url("open"),
                              "HTTPS_PROXY": net.dead_proxy})
    witness_ok(done, net)
    lines = net.proxy.wait_entries(net.mark, port=net.proxy.open_port, method="POST")
    assert [(e.url, e.status) for e in lines] == [(net.plain + "/", 200)], lines


@pytest.mark.parametrize("variable", ["NO_PROXY", "no_proxy"])
@pytest.mark.parametrize("form", ["ip", "ip-port", "star"])
def test_witness_no_proxy_bypasses_a_dead_proxy(form, variable, net, aws_home):
    value = {"ip": "127.0.0.1", "ip-port": f"127.0.0.1:{net.sts.gate_port}", "star": "*"}[form]
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.direct, "HTTP_PROXY": net.dead_proxy,
                              "HTTPS_PROXY": net.dead_proxy, variable: value})
    witness_ok(done, net)


def test_witness_without_no_proxy_the_dead_proxy_fails(net, aws_home):
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.direct, "HTTP_PROXY": net.dead_proxy})
    assert done.returncode != 0 and "proxy" in done.stderr.lower(), done.stderr
    assert net.sts.count() == 0


def test_witness_no_proxy_domain_suffix_goes_direct(net, aws_home, tmp_path):
    env = {"AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.dead_proxy,
           "NO_PROXY": ".awsmfa-test.invalid", "AWS_CA_BUNDLE": net.pki.ca}
    done = aws_cli(aws_home, env, prefix=hosts_namespace([], tmp_path))
    witness_ok(done, net)
    assert net.front().accepted == 1 and net.through_proxy() == []


def test_witness_lower_case_proxy_variable_wins(net, aws_home):
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.dead_proxy,
                              "https_proxy": net.auth_proxy, "AWS_CA_BUNDLE": net.pki.ca})
    witness_ok(done, net)
    assert len(net.connects(port=net.proxy.auth_port)) == 1


@pytest.mark.parametrize("password", [None, WRONG_PASSWORD])
def test_witness_auth_proxy_answers_407(password, net, aws_home):
    url = net.proxy.url("auth", PROXY_USER, password) if password else net.proxy.url("auth")
    done = aws_cli(aws_home, {"AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": url,
                              "AWS_CA_BUNDLE": net.pki.ca})
    assert done.returncode != 0, done.stdout
    lines = net.connects(port=net.proxy.auth_port)
    assert lines and all(e.status == 407 for e in lines), lines
    assert net.front().accepted == 0 and net.sts.count() == 0


# ====================================================================== awsmfa
def assert_failure(done, code, *needles):
    """Empty stdout, exit `code`, one stderr line starting PREFIX that contains every needle
    (case-insensitively) and nothing of NEVER_SHOWN / no library error code."""
    assert done.returncode == code, f"exit {done.returncode}; stderr: {done.stderr!r}"
    assert done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"want exactly one stderr line: {done.stderr!r}"
    line = lines[0]
    print(f"awsmfa said: {line}")
    assert line.startswith(PREFIX), line
    for needle in needles:
        assert needle.lower() in line.lower(), f"{needle!r} not in {line!r}"
    for secret in NEVER_SHOWN:
        assert secret not in done.stderr, f"{secret!r} shown: {line!r}"
    assert not LIBRARY_ERROR.search(line), f"library error code shown: {line!r}"
    return line


def exported_key(done) -> str:
    assert done.returncode == 0, done.stderr
    found = re.search(r"AWS_ACCESS_KEY_ID=['\"]?(ASIA[A-Z0-9]+)", done.stdout)
    assert found, done.stdout
    return found.group(1)


def json_key(done) -> str:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["AccessKeyId"]


def test_env_through_the_auth_proxy_with_aws_ca_bundle(run, net):
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.ca})
    assert exported_key(done).startswith("ASIA")
    gst = net.sts.requests("GetSessionToken")
    assert len(gst) == 1 and gst[0]["status"] == 200, gst
    lines = net.connects(port=net.proxy.auth_port)
    assert lines and all((e.url, e.status, e.user) == (f"{HOST}:{net.fronts['good'].port}", 200, PROXY_USER)
                         for e in lines), lines
    for secret in NEVER_SHOWN[:2]:
        assert secret not in done.stderr


def test_env_with_ca_bundle_in_the_profile(run, net, aws_home):
    add_to_profile(aws_home, "base", f"ca_bundle = {net.pki.ca}")
    done = run("env", "base", "--code", net.sts.totp(), "--format", "json", env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy})
    assert json_key(done).startswith("ASIA")
    assert net.sts.count("GetSessionToken") == 1
    assert net.connects(port=net.proxy.auth_port)


def test_env_role_profile_through_the_proxy(run, net):
    done = run("env", "admin", "--code", net.sts.totp(), "--format", "json", env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.ca})
    assert json_key(done).startswith("ASIA")
    assert net.sts.count("GetSessionToken") == 1
    assume = net.sts.requests("AssumeRole")
    assert len(assume) == 1 and assume[0]["status"] == 200, assume
    assert all(e.status == 200 and e.user == PROXY_USER for e in net.connects(port=net.proxy.auth_port))


def test_env_plain_http_through_http_proxy(run, net):
    done = run("env", "base", "--code", net.sts.totp(), "--format", "json", env={
        "AWS_ENDPOINT_URL_STS": net.plain, "HTTP_PROXY": net.proxy.url("open"),
        "HTTPS_PROXY": net.dead_proxy})
    assert json_key(done).startswith("ASIA")
    lines = net.proxy.wait_entries(net.mark, port=net.proxy.open_port, method="POST")
    assert [(e.url, e.status) for e in lines] == [(net.plain + "/", 200)], lines


def test_env_lower_case_proxy_variable_wins(run, net):
    done = run("env", "base", "--code", net.sts.totp(), "--format", "json", env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.dead_proxy,
        "https_proxy": net.auth_proxy, "AWS_CA_BUNDLE": net.pki.ca})
    assert json_key(done).startswith("ASIA")
    assert net.connects(port=net.proxy.auth_port)


@pytest.mark.parametrize("variable", ["NO_PROXY", "no_proxy"])
@pytest.mark.parametrize("form", ["ip", "ip-port", "star", "list"])
def test_env_no_proxy_bypasses_a_dead_proxy(form, variable, run, net):
    value = {"ip": "127.0.0.1", "ip-port": f"127.0.0.1:{net.sts.gate_port}", "star": "*",
             "list": f"example.invalid, .awsmfa-test.invalid,127.0.0.1"}[form]
    done = run("env", "base", "--code", net.sts.totp(), "--format", "json", env={
        "AWS_ENDPOINT_URL_STS": net.direct, "HTTP_PROXY": net.dead_proxy,
        "HTTPS_PROXY": net.dead_proxy, variable: value})
    assert json_key(done).startswith("ASIA")
    assert net.sts.count("GetSessionToken") == 1


def test_env_no_proxy_domain_suffix_goes_direct(net, aws_home, awsmfa_bin, keyring_name, tmp_path):
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, AWS_ENDPOINT_URL_STS=net.https(),
               HTTPS_PROXY=f"http://{PROXY_USER}:{DOWN_PASSWORD}@127.0.0.1:{net.dead_port}",
               NO_PROXY=".awsmfa-test.invalid", AWS_CA_BUNDLE=net.pki.ca)
    done = subprocess.run(
        hosts_namespace([awsmfa_bin, "env", "base", "--code", net.sts.totp(), "--format", "json"],
                        tmp_path),
        env=env, capture_output=True, text=True, timeout=60, start_new_session=True)
    assert json_key(done).startswith("ASIA")
    assert net.front().accepted == 1 and net.through_proxy() == []


# ---------------------------------------------------------------- failures
@pytest.mark.parametrize("case", ["system-store", "other-ca-bundle", "leaf-of-other-ca"])
def test_untrusted_certificate_fails_after_one_handshake(case, run, net):
    kind, bundle = {"system-store": ("good", None), "other-ca-bundle": ("good", net.pki.rogue_ca),
                    "leaf-of-other-ca": ("untrusted", net.pki.ca)}[case]
    env = {"AWS_ENDPOINT_URL_STS": net.https(kind), "HTTPS_PROXY": net.auth_proxy}
    if bundle:
        env["AWS_CA_BUNDLE"] = bundle
    done = run("env", "base", "--code", net.sts.totp(), env=env)
    assert_failure(done, EXIT_UNAVAILABLE, MSG_UNTRUSTED)
    front = net.front(kind)
    assert front.accepted == 1, front.summary()
    assert front.requests == [] and net.sts.count() == 0


def test_name_mismatch_fails_after_one_handshake(run, net):
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https("wrongname"), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.ca})
    assert_failure(done, EXIT_UNAVAILABLE, MSG_NAME_MISMATCH, HOST)
    front = net.front("wrongname")
    assert front.accepted == 1, front.summary()
    assert front.requests == [] and net.sts.count() == 0


def test_expired_certificate_fails(run, net):
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https("expired"), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.ca})
    assert_failure(done, EXIT_UNAVAILABLE, MSG_EXPIRED)
    assert net.front("expired").requests == [] and net.sts.count() == 0


@pytest.mark.parametrize("password", [None, WRONG_PASSWORD])
def test_proxy_407_names_the_proxy_not_the_password(password, run, net):
    url = net.proxy.url("auth", PROXY_USER, password) if password else net.proxy.url("auth")
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": url, "AWS_CA_BUNDLE": net.pki.ca})
    line = assert_failure(done, EXIT_UNAVAILABLE, MSG_PROXY, MSG_PROXY_407, net.auth_address)
    if password:
        assert password not in done.stderr, line
    lines = net.connects(port=net.proxy.auth_port)
    assert lines and all(e.status == 407 for e in lines), lines
    assert net.front().accepted == 0 and net.sts.count() == 0


def test_proxy_down_says_proxy_without_the_password(run, net):
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https(), "AWS_CA_BUNDLE": net.pki.ca,
        "HTTPS_PROXY": f"http://user:{DOWN_PASSWORD}@127.0.0.1:{net.dead_port}"})
    line = assert_failure(done, EXIT_UNAVAILABLE, MSG_PROXY)
    assert DOWN_PASSWORD not in done.stderr, line
    assert net.front().accepted == 0 and net.sts.count() == 0


@pytest.fixture
def silent_dns():
    """A DNS server on 127.0.0.2:53 that takes every query and never answers; yields the
    queries it got."""
    import socket
    import threading
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.2", 53))
    server.settimeout(0.2)
    queries, stop = [], threading.Event()

    def swallow():
        while not stop.is_set():
            try:
                queries.append(server.recvfrom(4096)[0])
            except OSError:
                pass

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    yield queries
    stop.set()
    thread.join()
    server.close()


def test_a_dns_server_that_never_answers_ends_at_the_deadline(silent_dns, aws_home, awsmfa_bin,
                                                               keyring_name, tmp_path):
    """glibc would wait timeout x attempts (here 5 s x 3 for each of A and AAAA); awsmfa stops
    waiting at its own deadline (AWSMFA_HTTP_TIMEOUT=3) and says the DNS server is silent."""
    import time
    unshare = shutil.which("unshare")
    assert unshare, "unshare (util-linux) is needed to give one process its own resolv.conf"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.2\noptions timeout:5 attempts:3\n")
    name = "sts.quiet-resolver.awsmfa-test.example"
    argv = [unshare, "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(resolv),
            awsmfa_bin, "env", "base", "--code", "123456"]
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, AWS_ENDPOINT_URL_STS=f"https://{name}",
               AWSMFA_HTTP_TIMEOUT="3")
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120,
                          start_new_session=True)
    elapsed = time.monotonic() - started
    assert_failure(done, EXIT_UNAVAILABLE, name, "DNS server")
    assert silent_dns, "the resolver never asked the silent server: the test proves nothing"
    assert elapsed < 8, f"took {elapsed:.1f} s: the deadline did not cut the resolver off"


def test_missing_ca_bundle_is_a_config_error(run, net, tmp_path):
    missing = str(tmp_path / "no-such-bundle.pem")
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy, "AWS_CA_BUNDLE": missing})
    assert_failure(done, EXIT_CONFIG, missing)
    assert net.sts.count() == 0


def test_ca_bundle_that_is_not_pem_is_a_config_error(run, net):
    done = run("env", "base", "--code", net.sts.totp(), env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.not_pem})
    assert_failure(done, EXIT_CONFIG)
    assert net.sts.count() == 0


# ---------------------------------------------------------------- doctor
def test_doctor_shows_the_proxy_masked_and_the_ca_bundle(run, net):
    # Loose by design: the proxy's host:port, the bundle's path and (for a bundle of two
    # certificates) a "2" on the bundle's line; never the password.
    done = run("doctor", "base", env={
        "AWS_ENDPOINT_URL_STS": net.https(), "HTTPS_PROXY": net.auth_proxy,
        "AWS_CA_BUNDLE": net.pki.both_cas})
    out = done.stdout + done.stderr
    assert net.auth_address in done.stdout, done.stdout
    assert net.pki.both_cas in done.stdout, done.stdout
    for secret in (PROXY_PASSWORD, PROXY_PASSWORD_ENCODED):
        assert secret not in out, out
    bundle_line = next(l for l in done.stdout.splitlines() if net.pki.both_cas in l)
    assert re.search(r"\b2\b", bundle_line.replace(net.pki.both_cas, "")), bundle_line
