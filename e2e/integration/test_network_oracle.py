"""Differential test: awsmfa's proxy and CA-bundle resolution against botocore's, on a corpus.

Every case of e2e/oracle/network_cases.py (an environment of proxy variables, NO_PROXY,
AWS_CA_BUNDLE…, a config and a credentials file; a URL and optionally a profile) is answered by
botocore (network_cases.py --botocore: a real sts client's endpoint, its URLLib3Session and the
urllib3 pool it would send through; one Python process per batch of worlds, os.environ swapped
per world) and by `awsmfa-cli __network URL [PROFILE]` (one run per case, with exactly the
world's environment), and the two are compared:

    error vs. no error · proxy (scheme://host:port, host compared case-insensitively: urllib3
    lower-cases it) · proxy_user · proxy_password (whether a Proxy-Authorization header is sent)
    · ca_bundle (the `verify` botocore's endpoint uses; its default trust store is null) ·
    proxy_variable (must name a variable of the environment that holds botocore's proxy value,
    for the URL's scheme)

Anything that differs fails the test unless ACCEPTED (below) says why awsmfa may differ there.

The full report (every mismatch with its environment) is written next to the cases (its path is
printed) or to AWSMFA_NETWORK_ORACLE_REPORT=PATH; AWSMFA_NETWORK_ORACLE_DUMP=PATH keeps both
sides' raw JSON.

Run:  python3 -m pytest e2e/integration/test_network_oracle.py -q -p no:cacheprovider
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "e2e" / "oracle"
sys.path.insert(0, str(ORACLE))

import network_cases as cases_mod  # noqa: E402
import oracle_report  # noqa: E402

MIN_CASES = 300
AWSMFA_TIMEOUT = 5
COMPARED = ["proxy", "proxy_user", "proxy_password", "ca_bundle"]
SOCKS = ("socks", "socks4", "socks4a", "socks5", "socks5h")


@dataclass
class Case:
    world: cases_mod.World
    index: int
    url: str
    profile: str | None
    env: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.world.id}/{self.index}"


# --- accepted divergences ------------------------------------------------------------------
@dataclass
class Divergence:
    id: str
    reason: str
    # (case, botocore's answer, awsmfa's answer, the differing fields) -> accepted?
    applies: Callable[[Case, dict, dict, list], bool]


def _proxy_scheme(bot: dict) -> str:
    raw = bot.get("proxy_raw") or ""
    return urlsplit(raw).scheme.lower() if "://" in raw else ""


ACCEPTED: list[Divergence] = [
    Divergence(
        "https-or-socks-proxy",
        "awsmfa refuses an https:// proxy (it speaks plain HTTP to the proxy; the tunnel to AWS is "
        "TLS anyway) and any socks proxy; botocore uses an https:// proxy over TLS, and takes "
        "socks5://h:p for a plain HTTP proxy on host 'socks5', port 80 (its fix-up prepends "
        "http://). awsmfa only ever refuses here (an error), never answers differently.",
        lambda case, bot, aws, rows: "proxy" in aws.get("error", "").lower()
        and "error" not in bot and "proxy_error" not in bot
        and _proxy_scheme(bot) in ("https", *SOCKS)),
    Divergence(
        "refused-proxy-url",
        "awsmfa refuses a proxy URL botocore would still connect somewhere with: port 0, a "
        "scheme other than http (ftp://h becomes host 'ftp'), white space or a control character "
        "around it, a host that is not an ASCII DNS name or address (IDNA, spaces, a leading dot "
        "or hyphen, percent escapes). The value comes from the environment and is about to name a "
        "host: awsmfa only refuses (exit 78, naming the variable), never connects elsewhere.",
        lambda case, bot, aws, rows: "proxy" in aws.get("error", "").lower()
        and "error" not in bot and "proxy_error" not in bot),
    Divergence(
        "non-ascii-proxy-credentials",
        "botocore fails with UnicodeEncodeError building Basic auth from percent-decoded non-ASCII "
        "credentials; awsmfa sends them UTF-8 encoded (RFC 7617's charset).",
        lambda case, bot, aws, rows: ("error" in bot or "proxy_error" in bot)
        and "error" not in aws and aws.get("proxy_password") is True
        and any(any(ord(ch) > 127 for ch in v) or "%c" in v.lower() or "%f" in v.lower()
                for v in _proxy_values(case))),
    Divergence(
        "upper-case-proxy-scheme",
        "botocore's fix-up tests for 'http://' case-sensitively, so HTTP://h:p becomes "
        "http://HTTP://h:p, host 'http', port 80; awsmfa reads the scheme case-insensitively, as "
        "RFC 3986 says, and uses h:p.",
        lambda case, bot, aws, rows: any(v[:7].lower() == "http://" and v[:7] != "http://"
                                         for v in _proxy_values(case))),
    Divergence(
        "empty-ca_bundle",
        "An empty ca_bundle makes botocore turn certificate verification off (verify=''); awsmfa "
        "never does and treats it as unset (README), going on to REQUESTS_CA_BUNDLE or the "
        "system's store.",
        lambda case, bot, aws, rows: [r[0] for r in rows] == ["ca_bundle"]
        and bot.get("ca_bundle") == "" and not case.env.get("AWS_CA_BUNDLE")),
    Divergence(
        "empty-AWS_CA_BUNDLE",
        "An empty AWS_CA_BUNDLE makes botocore turn certificate verification off (verify=''); "
        "awsmfa never turns it off and treats the empty variable as unset (README). awsmfa must "
        "then trust exactly what botocore would without the variable.",
        lambda case, bot, aws, rows: case.env.get("AWS_CA_BUNDLE") == ""
        and [r[0] for r in rows] == ["ca_bundle"] and "ca_bundle_if_unset" in bot
        and aws.get("ca_bundle") == bot["ca_bundle_if_unset"]),
]


def _proxy_values(case) -> list:
    return [v for k, v in case.env.items() if k.lower().endswith("_proxy") and k.lower() != "no_proxy"]


# --- comparing -----------------------------------------------------------------------------
@dataclass
class Mismatch:
    case: Case
    kind: str
    rows: list  # (field, botocore, awsmfa)
    bot: dict
    aws: dict
    accepted_by: str | None = None


def _normalized(result: dict) -> dict:
    out = {k: result.get(k) for k in COMPARED}
    if isinstance(out["proxy"], str):
        out["proxy"] = out["proxy"].lower()  # scheme and host are case-insensitive
    return out


def _variable_rows(case: Case, bot: dict, aws: dict) -> list:
    """awsmfa's proxy_variable must be a variable for the URL's scheme holding botocore's value."""
    variable = aws.get("proxy_variable")
    if aws.get("proxy") is None:
        return [] if variable is None else [("proxy_variable", None, variable)]
    if bot.get("proxy") is None:
        return []  # the proxy row already says it
    scheme = urlsplit(case.url).scheme.lower()
    raw = bot.get("proxy_raw")
    fits = (isinstance(variable, str) and variable.lower() == f"{scheme}_proxy"
            and case.env.get(variable) == raw)
    return [] if fits else [("proxy_variable", f"a {scheme}_proxy variable = {raw!r}", variable)]


def compare(case: Case, bot: dict, aws: dict) -> Mismatch | None:
    if "oracle_error" in bot:
        return Mismatch(case, "botocore oracle broke", [("oracle", bot["oracle_error"], None)],
                        bot, aws)
    if aws.get("_hung") or aws.get("_broken"):
        return Mismatch(case, "awsmfa hung" if aws.get("_hung") else "awsmfa printed no JSON",
                        [("outcome", "-", aws["error"])], bot, aws)
    bot_error = bot.get("error") or bot.get("proxy_error")
    if bot_error or "error" in aws:
        if bot_error and "error" in aws:
            return None
        rows = [("outcome", bot_error or "ok", aws.get("error", "ok"))]
        if not bot_error:
            rows += [(k, v, None) for k, v in _normalized(bot).items()]
        else:
            rows += [(k, None, v) for k, v in _normalized(aws).items()]
        m = Mismatch(case, "result vs error" if "error" in aws else "error vs result", rows,
                     bot, aws)
    else:
        b, a = _normalized(bot), _normalized(aws)
        rows = [(k, b[k], a[k]) for k in COMPARED if b[k] != a[k]]
        rows += _variable_rows(case, bot, aws)
        if not rows:
            return None
        m = Mismatch(case, "fields", rows, bot, aws)
    for divergence in ACCEPTED:
        if divergence.applies(case, bot, aws, m.rows):
            m.accepted_by = divergence.id
            break
    return m


# --- running both sides ----------------------------------------------------------------------
def _run_botocore(worlds, envs, dirs, here=False) -> dict:
    """botocore's answers, {world id: [answer per case]}; `here`: one fresh process per world
    started with exactly its environment, instead of one process swapping os.environ."""
    script = [sys.executable, str(ORACLE / "network_cases.py"), "--botocore"]

    def run(batch, env, extra):
        lines = [json.dumps({"id": w.id, "env": envs[w.id], "cwd": dirs[w.id], "cases": w.cases,
                             "reuse": cases_mod.reusable(w)}) for w in batch]
        done = subprocess.run(script + extra, input="\n".join(lines) + "\n", capture_output=True,
                              text=True, timeout=300, env=env)
        assert done.returncode == 0, f"botocore oracle failed:\n{done.stderr[-5000:]}"
        return [json.loads(line) for line in done.stdout.splitlines()]

    if here:
        jobs = [([w], {**envs[w.id], "PYTHONUTF8": "1"}, ["--here"]) for w in worlds]
    else:
        base = {"PYTHONUTF8": "1", "HOME": dirs[worlds[0].id]}
        jobs = [(worlds[i::2], base, []) for i in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        items = [item for batch in pool.map(lambda job: run(*job), jobs) for item in batch]
    out = {item["id"]: item["results"] for item in items}
    assert set(out) == {w.id for w in worlds}, "the oracle did not answer every world"
    return out


def _run_awsmfa(cli: str, case: Case, directory: str) -> dict:
    args = [cli, "__network", case.url] + ([case.profile] if case.profile is not None else [])
    try:
        for attempt in range(40):
            try:
                done = subprocess.run(args, env=case.env, cwd=directory, capture_output=True,
                                      text=True, timeout=AWSMFA_TIMEOUT)
                break
            except OSError as exc:  # the binary is being rewritten by a build right now
                if exc.errno != errno.ETXTBSY or attempt == 39:
                    raise
                time.sleep(0.25)
    except subprocess.TimeoutExpired:
        return {"error": f"(awsmfa __network did not finish in {AWSMFA_TIMEOUT} s)", "_hung": True}
    try:
        result = json.loads(done.stdout)
        assert isinstance(result, dict) and len(done.stdout.strip().splitlines()) == 1
        return result
    except (json.JSONDecodeError, AssertionError):
        return {"error": f"(no JSON line; exit {done.returncode}) {done.stderr.strip()[:300]}",
                "_broken": True}


@dataclass
class Outcome:
    worlds: list
    cases: list
    botocore: dict  # case id -> answer
    awsmfa: dict
    mismatches: list
    envs: dict
    dirs: dict
    report_path: str


@pytest.fixture(scope="module")
def cli(awsmfa_bin) -> str:
    return str(Path(awsmfa_bin).parent / "awsmfa-cli")


@pytest.fixture(scope="module")
def outcome(cli, tmp_path_factory) -> Outcome:
    root = str(tmp_path_factory.mktemp("network-oracle"))
    worlds = cases_mod.generate()
    envs, dirs, cases = {}, {}, []
    for world in worlds:
        dirs[world.id], envs[world.id] = cases_mod.materialize(world, root)
        cases += [Case(world, i, url, profile, envs[world.id])
                  for i, (url, profile) in enumerate(world.cases)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        bot_future = pool.submit(_run_botocore, worlds, envs, dirs)
        aws = dict(pool.map(lambda c: (c.id, _run_awsmfa(cli, c, dirs[c.world.id])), cases))
        by_world = bot_future.result()
    bot = {c.id: by_world[c.world.id][c.index] for c in cases}
    mismatches = [m for c in cases if (m := compare(c, bot[c.id], aws[c.id]))]
    dump = os.environ.get("AWSMFA_NETWORK_ORACLE_DUMP")
    if dump:
        with open(dump, "w", encoding="utf-8") as handle:
            json.dump({c.id: {"title": c.world.title, "url": c.url, "profile": c.profile,
                              "env": c.env, "botocore": bot[c.id], "awsmfa": aws[c.id]}
                       for c in cases}, handle, indent=1, ensure_ascii=False)
    return Outcome(worlds, cases, bot, aws, mismatches, envs, dirs,
                   os.path.join(root, "network-oracle-report.txt"))


# --- reporting -----------------------------------------------------------------------------
_BASE_ENV = {"HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"}


def describe(m: Mismatch) -> str:
    case = m.case
    head = f"[{case.id}] {case.world.title} — {case.url} profile={case.profile!r}: {m.kind}"
    if m.accepted_by:
        head += f"  (accepted: {m.accepted_by})"
    lines = [head]
    width = max(len(r[0]) for r in m.rows)
    for key, b, a in m.rows:
        lines.append(f"  {key:<{width}}  botocore: {json.dumps(b, ensure_ascii=False)}")
        lines.append(f"  {'':<{width}}  awsmfa:   {json.dumps(a, ensure_ascii=False)}")
    env = {k: v for k, v in case.env.items() if k not in _BASE_ENV}
    lines.append(f"  env: {json.dumps(env, ensure_ascii=False)}")
    if "proxy_url" in m.bot:
        lines.append(f"  botocore proxy URL after its fix-up: {m.bot['proxy_url']!r}")
    if "ca_bundle_variable" in m.bot and case.profile is not None:
        lines.append(f"  botocore get_config_variable('ca_bundle'): "
                     f"{json.dumps(m.bot['ca_bundle_variable'])}")
    for label, text in (("config", case.world.config), ("credentials", case.world.credentials)):
        if text and case.profile is not None:
            lines.append(f"  {label}:")
            lines += [f"    | {line}" for line in text.rstrip("\n").split("\n")]
    return "\n".join(lines)


def _report(o: Outcome) -> tuple[str, list]:
    def headline(bad, accepted):
        return (f"network oracle: {len(o.cases)} cases in {len(o.worlds)} environments; "
                f"{len(bad)} unaccepted mismatch(es), {len(accepted)} accepted divergence(s)")

    return oracle_report.render(headline, o.mismatches, ACCEPTED, describe)


# --- tests ---------------------------------------------------------------------------------
def test_corpus_covers_the_issue():
    worlds = cases_mod.generate()
    assert cases_mod.case_count(worlds) >= MIN_CASES
    assert [(w.id, w.env, w.cases) for w in worlds] == [
        (w.id, w.env, w.cases) for w in cases_mod.generate()], "corpus is not seeded"
    categories = {w.category for w in worlds}
    for needed in ["variables", "names", "forms", "no_proxy", "no_proxy_vars", "random",
                   "ca_bundle", "ca_spelling", "ca_files"]:
        assert needed in categories
    urls = {url for w in worlds for url, _ in w.cases}
    assert set(cases_mod.URLS) <= urls


def _find(o: Outcome, title: str, url: str, profile=None) -> dict:
    for c in o.cases:
        if c.world.title == title and c.url == url and c.profile == profile:
            return o.botocore[c.id]
    raise KeyError((title, url, profile))


def test_oracle_reports_botocore_rules(outcome):
    """The oracle itself: a few of botocore's rules, so a broken oracle cannot pass silently."""
    o, nc = outcome, cases_mod
    # The lower-case variable wins; an empty lower-case one removes the upper-case one.
    both = _find(o, "proxy variables: HTTPS_PROXY=x https_proxy=x", nc.URL_STS)
    assert both["proxy"] == "http://lower-https.proxy:3129"
    emptied = _find(o, "lower-case empty first: {'https_proxy': '', 'HTTPS_PROXY': "
                       "'http://upper-https.proxy:3128'}", nc.URL_STS)
    assert emptied["proxy"] is None and emptied["proxies"] == {}
    # No scheme: http://, port 80; credentials only with both parts; https:// kept.
    assert _find(o, "proxy URL 'proxy.corp'", nc.URL_STS)["proxy"] == "http://proxy.corp:80"
    auth = _find(o, "proxy URL 'http://us%40er:p%3Ass%2Fw%25d@proxy.corp:3128'", nc.URL_STS)
    assert auth["proxy_user"] == "us@er" and auth["proxy_password"] is True
    no_password = _find(o, "proxy URL 'http://user:@proxy.corp:3128'", nc.URL_STS)
    assert no_password["proxy_password"] is False and no_password["proxy_user"] is None
    https = _find(o, "proxy URL 'https://proxy.corp:3128'", nc.URL_STS)
    assert https["proxy"] == "https://proxy.corp:3128"
    assert "proxy_error" in _find(o, "proxy URL 'http://proxy.corp:abc'", nc.URL_STS)
    # NO_PROXY: suffix match with or without the dot, '*' alone, host:port as written.
    assert _find(o, "NO_PROXY='amazonaws.com'", nc.URL_REGIONAL)["proxy"] is None
    assert _find(o, "NO_PROXY='*.amazonaws.com'", nc.URL_STS)["proxy"] is not None
    assert _find(o, "NO_PROXY=' * '", nc.URL_REGIONAL)["proxy"] is not None
    assert _find(o, "NO_PROXY='localhost:4566'", nc.URL_LOCALSTACK)["proxy"] is None
    assert _find(o, "NO_PROXY='sts.amazonaws.com:443'", nc.URL_STS)["proxy"] is not None
    # CGI: HTTP_PROXY is ignored when REQUEST_METHOD is set.
    cgi = _find(o, "variable names {'REQUEST_METHOD': 'GET', 'HTTP_PROXY': "
                   "'http://upper-http.proxy:8080'}", nc.URL_LOCALSTACK)
    assert cgi["proxy"] is None
    # CA bundle: the environment first; the profile's own, never its source_profile's.
    ca = "ca_bundle: AWS_CA_BUNDLE set"
    assert _find(o, ca, nc.URL_STS, "a")["ca_bundle"].endswith("/env-ca.pem")
    plain = "ca_bundle: no AWS_CA_BUNDLE"
    assert _find(o, plain, nc.URL_STS, "a")["ca_bundle"].endswith("/a-ca.pem")
    assert _find(o, plain, nc.URL_STS, "chained")["ca_bundle"] is None
    assert _find(o, plain, nc.URL_STS, "b")["ca_bundle"] is None
    assert "error" in _find(o, plain, nc.URL_STS, "missing")
    chain = "source_profile's ca_bundle never applies; own one does"
    assert _find(o, chain, nc.URL_STS, "middle")["ca_bundle"] is None
    assert _find(o, chain, nc.URL_STS, "outer")["ca_bundle"].endswith("/outer-ca.pem")
    creds = _find(o, "ca_bundle only in the credentials file", nc.URL_STS, "a")
    assert creds["ca_bundle"].endswith("/cred-ca.pem")
    # REQUESTS_CA_BUNDLE: not a config variable, but the endpoint's verify when nothing else is.
    requests = _find(o, "ca_bundle: REQUESTS_CA_BUNDLE", nc.URL_STS, "b")
    assert requests["ca_bundle_variable"] is None
    assert requests["ca_bundle"].endswith("/requests-ca.pem")
    empty = _find(o, "ca_bundle: AWS_CA_BUNDLE empty", nc.URL_STS, "a")
    assert empty["ca_bundle"] == "" and empty["ca_bundle_if_unset"].endswith("/a-ca.pem")
    # Without REQUESTS_CA_BUNDLE, the endpoint verifies with exactly the config variable.
    for c in o.cases:
        b = o.botocore[c.id]
        if "ca_bundle_variable" in b and "REQUESTS_CA_BUNDLE" not in c.env:
            assert b["ca_bundle"] == b["ca_bundle_variable"], c.id


def test_batch_oracle_matches_fresh_processes(outcome):
    """Swapping os.environ in one process answers as a process started with that environment."""
    titles = [
        "variable names {'Https_Proxy': 'http://other.proxy:9000', 'HTTPS_PROXY': "
        "'http://upper-https.proxy:3128'}",
        "variable names {'REQUEST_METHOD': 'GET', 'HTTP_PROXY': 'http://upper-http.proxy:8080', "
        "'http_proxy': 'http://lower-http.proxy:8081'}",
        "NO_PROXY variables {'No_Proxy': 'amazonaws.com', 'NO_PROXY': 'localhost'}",
        f"NO_PROXY={chr(0xa0) + 'localhost'!r}",
        "ca_bundle: AWS_CA_BUNDLE empty",
    ]
    worlds = [w for w in outcome.worlds if w.title in titles]
    assert len(worlds) == len(titles)
    fresh = _run_botocore(worlds, outcome.envs, outcome.dirs, here=True)
    batch = {w.id: [outcome.botocore[f"{w.id}/{i}"] for i in range(len(w.cases))] for w in worlds}
    assert fresh == batch


@pytest.mark.parametrize("count", [cases_mod.case_count(cases_mod.generate())],
                         ids=lambda n: f"{n}-cases")
def test_awsmfa_network_like_botocore(outcome, count, record_property):
    text, bad = _report(outcome)
    record_property("network_oracle_cases", count)
    record_property("network_oracle_unaccepted_mismatches", len(bad))
    oracle_report.publish(
        text, bad, os.environ.get("AWSMFA_NETWORK_ORACLE_REPORT") or outcome.report_path)
