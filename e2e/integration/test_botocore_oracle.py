"""Differential test: awsmfa's profile resolution against botocore's, on a generated corpus.

Every case of e2e/oracle/corpus.py (config file, credentials file, environment) is resolved
by botocore (e2e/oracle/botocore_resolve.py, all cases in one Python process, os.environ
swapped per case, a new Session per profile) and by `awsmfa __resolve` (one run per case, with
exactly the case's environment), and the two are compared field by field:

    profile list · error vs. no error · source_profile · access_key_id · mfa_serial ·
    roles (profile, role_arn, external_id, role_session_name, duration_seconds, in assume order) ·
    region · sts_endpoint · signing_region  (and profile_region, iam_endpoint and
    iam_signing_region once awsmfa reports them)

Anything that differs fails the test unless ACCEPTED (below) says why awsmfa may differ there.
Each accepted divergence only ever lets awsmfa *refuse* (an error) where botocore goes on;
none lets awsmfa produce a different answer.

The full report (every mismatch with its files and environment) is written next to the cases
(its path is printed) or to AWSMFA_ORACLE_REPORT=PATH; AWSMFA_ORACLE_DUMP=PATH keeps both sides'
raw JSON. A `__resolve` that does not finish in AWSMFA_TIMEOUT seconds, or prints no JSON, is
always a failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "e2e" / "oracle"
sys.path.insert(0, str(ORACLE))

import corpus  # noqa: E402
import oracle_report  # noqa: E402

MIN_CASES = 300

# Fields compared for every profile both sides resolve. `mfa_serial` is awsmfa's MFA model
# (one GetSessionToken with the nearest mfa_serial) evaluated on botocore's chain and merged
# profile map; see botocore_resolve.py.
COMPARED = ["source_profile", "access_key_id", "mfa_serial", "roles", "region", "sts_endpoint",
            "signing_region"]
# Compared once awsmfa's __resolve reports them (proposed fields): the profile's own region
# (what `env` exports, ignoring AWS_DEFAULT_REGION) and IAM's endpoint (the `device` commands).
OPTIONAL = {
    "profile_region": lambda bot: bot["_extra"]["profile_region"],
    "iam_endpoint": lambda bot: bot["_extra"].get("iam_endpoint"),
    "iam_signing_region": lambda bot: bot["_extra"].get("iam_signing_region"),
}


# --- accepted divergences ------------------------------------------------------------------
@dataclass
class Divergence:
    id: str
    reason: str
    # (case, botocore's profile result or None for a file-level outcome, botocore's whole
    # result) -> whether awsmfa may refuse here although botocore does not.
    applies: Callable[[corpus.Case, dict | None, dict], bool]
    hits: list = field(default_factory=list)


def _extra(bot: dict | None) -> dict:
    return (bot or {}).get("_extra", {})


def _lenient(case: corpus.Case, whole: dict) -> bool:
    return any(t.startswith("lenient:") for t in case.tags) or bool(
        _extra(whole).get("dropped_sections"))


def _unsendable_endpoint(bot: dict | None) -> bool:
    if not bot or "sts_endpoint" not in bot:
        return False
    parts = urlsplit(bot["sts_endpoint"])
    return parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc


ACCEPTED: list[Divergence] = [
    Divergence(
        "credential_process",
        "awsmfa refuses credential_process as the source of keys: it starts from long-term keys "
        "(and `credential_process = awsmfa env …` would run awsmfa again); botocore runs it.",
        lambda case, bot, whole: _extra(bot).get("source_method") == "custom-process"),
    Divergence(
        "credential_source",
        "awsmfa refuses credential_source (Environment, Ec2InstanceMetadata, EcsContainer): "
        "it never takes ambient credentials as the source; botocore uses them.",
        lambda case, bot, whole: _extra(bot).get("credential_source") is not None),
    Divergence(
        "ambient-keys",
        "awsmfa never uses ambient AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY as the source: they "
        "are usually the output of a previous `awsmfa env`.",
        lambda case, bot, whole: _extra(bot).get("source_method") == "env"),
    Divergence(
        "temporary-source-keys",
        "MFA-session model: awsmfa calls GetSessionToken with the source keys, which STS "
        "refuses for temporary keys (aws_session_token / aws_security_token); botocore signs "
        "AssumeRole with them.",
        lambda case, bot, whole: _extra(bot).get("source_session_token") is True),
    Divergence(
        "empty-source-key",
        "botocore signs with an empty access key or secret (present but empty in the file), "
        "which STS always rejects; awsmfa refuses before sending.",
        lambda case, bot, whole: _extra(bot).get("empty_source_key") is True),
    Divergence(
        "sts-model-violation",
        "A value breaks the STS API model's pattern or maximum (role_session_name, external_id, "
        "duration_seconds, mfa_serial…), which botocore does not check client-side (it only "
        "checks minimums) and STS rejects; awsmfa may refuse before sending.",
        lambda case, bot, whole: bool(_extra(bot).get("sts_model_violations"))),
    Divergence(
        "lenient-duration",
        "duration_seconds that is not plain digits: botocore silently leaves it out when "
        "Python's int() cannot parse it ('', 'abc', '1e3', '3600.0') and otherwise reads it "
        "as int() does ('+3600', '3_600', non-ASCII digits); awsmfa may refuse such a value.",
        lambda case, bot, whole: bool(_extra(bot).get("ignored_values"))),
    Divergence(
        "unsendable-endpoint",
        "botocore accepts an endpoint URL with a non-HTTP scheme or user-info (it only checks the "
        "host name) and fails or leaks later; awsmfa refuses such a URL up front.",
        lambda case, bot, whole: _unsendable_endpoint(bot)),
    Divergence(
        "stricter-parsing",
        "Malformed file that botocore (Python's configparser) reads by guessing: a header "
        "shlex cannot split into exactly two words (dropped silently), text after `]`, `:` as "
        "the delimiter, a continuation line that swallows what looks like a key or header, "
        "[DEFAULT] merged into every section, a config path that is a directory (read as "
        "absent). awsmfa may reject the file or profile instead; "
        "it must never read it differently.",
        lambda case, bot, whole: _lenient(case, whole)),
]


# --- running both sides ----------------------------------------------------------------------
@dataclass
class Mismatch:
    case: corpus.Case
    profile: str | None  # None: the whole case (file-level error or profile list)
    kind: str
    rows: list  # (field, botocore, awsmfa)
    accepted_by: str | None = None


def _normalize_url(url):
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if parts.scheme:  # the scheme is case-insensitive; botocore lower-cases it
        url = parts.scheme.lower() + url[len(parts.scheme):]
    if parts.scheme and parts.netloc and not parts.path and not parts.query:
        return url + "/"  # an empty path is "/" on the wire
    return url


def _compared(result: dict) -> dict:
    out = {k: result.get(k) for k in COMPARED}
    out["sts_endpoint"] = _normalize_url(out["sts_endpoint"])
    return out


def _accepting(case, bot, whole) -> Divergence | None:
    for divergence in ACCEPTED:
        if divergence.applies(case, bot, whole):
            return divergence
    return None


def compare(case: corpus.Case, bot: dict, aws: dict) -> list[Mismatch]:
    found: list[Mismatch] = []
    if "error" in bot or "error" in aws:
        if "error" in bot and "error" in aws and not (aws.get("_hung") or aws.get("_broken")):
            return []
        rows = [("file", bot.get("error", "(read)"), aws.get("error", "(read)"))]
        m = Mismatch(case, None, "file-level error", rows)
        if aws.get("_hung"):
            m.kind = "awsmfa hung"
        elif aws.get("_broken"):
            m.kind = "awsmfa crashed or printed no JSON"
        elif "error" in aws:  # awsmfa refuses a file botocore reads
            d = _accepting(case, None, bot)
            if d and d.id == "stricter-parsing":
                m.accepted_by = d.id
        found.append(m)
        return found
    if bot["profiles"] != aws.get("profiles"):
        found.append(Mismatch(case, None, "profile list",
                              [("profiles", bot["profiles"], aws.get("profiles"))]))
    results = aws.get("results", {})
    for name, b in bot["results"].items():
        a = results.get(name)
        if a is None:
            found.append(Mismatch(case, name, "not resolved by awsmfa",
                                  [("result", "(resolved)", "(missing)")]))
            continue
        if "error" in b and "error" in a:
            continue
        if "error" in b or "error" in a:
            rows = [("outcome", b.get("error", "ok"), a.get("error", "ok"))]
            if "error" not in b:
                rows += [(k, v, None) for k, v in _compared(b).items()]
            else:
                rows += [(k, None, v) for k, v in _compared(a).items()]
            m = Mismatch(case, name, "error vs result" if "error" in b else "result vs error",
                         rows)
            if "error" in a:
                d = _accepting(case, b, bot)
                if d:
                    m.accepted_by = d.id
            found.append(m)
            continue
        bc, ac = _compared(b), _compared(a)
        for key, derive in OPTIONAL.items():
            if key in a:
                bc[key], ac[key] = derive(b), a[key]
                if key == "iam_endpoint":
                    bc[key], ac[key] = _normalize_url(bc[key]), _normalize_url(ac[key])
        rows = [(k, bc[k], ac[k]) for k in bc if bc[k] != ac[k]]
        if rows:
            found.append(Mismatch(case, name, "fields", rows))
    return found


def _run_botocore(cases, envs, dirs) -> dict:
    lines = [json.dumps({"id": c.id, "env": envs[c.id], "profiles": c.names, "cwd": dirs[c.id]})
             for c in cases]
    done = subprocess.run(
        [sys.executable, str(ORACLE / "botocore_resolve.py"), "--batch"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600,
        env={"PYTHONUTF8": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "HOME": dirs[cases[0].id]})
    assert done.returncode == 0, f"botocore oracle failed:\n{done.stderr[-5000:]}"
    out = {}
    for line in done.stdout.splitlines():
        item = json.loads(line)
        out[item["id"]] = item["result"]
    assert len(out) == len(cases), f"oracle answered {len(out)} of {len(cases)} cases"
    return out


AWSMFA_TIMEOUT = 5


def _run_awsmfa(binary, case, env, directory, names) -> dict:
    try:
        done = subprocess.run([binary, "__resolve", "--", *names], env=env, cwd=directory,
                              capture_output=True, text=True, timeout=AWSMFA_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"(awsmfa __resolve did not finish in {AWSMFA_TIMEOUT} s)",
                "_hung": True}
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": f"(no JSON; exit {done.returncode}) {done.stderr.strip()[:300]}",
                "_broken": True}


@dataclass
class Outcome:
    cases: list
    botocore: dict
    awsmfa: dict
    mismatches: list
    report_path: str


@pytest.fixture(scope="module")
def outcome(awsmfa_bin, tmp_path_factory) -> Outcome:
    root = str(tmp_path_factory.mktemp("oracle"))
    cases = corpus.generate()
    envs, dirs = {}, {}
    for case in cases:
        dirs[case.id], envs[case.id] = corpus.materialize(case, root)
    bot = _run_botocore(cases, envs, dirs)

    def one(case):
        names = list(bot[case.id].get("results", {}).keys()) or list(case.names)
        return case.id, _run_awsmfa(awsmfa_bin, case, envs[case.id], dirs[case.id], names)

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        aws = dict(pool.map(one, cases))
    mismatches = [m for case in cases for m in compare(case, bot[case.id], aws[case.id])]
    dump = os.environ.get("AWSMFA_ORACLE_DUMP")
    if dump:
        with open(dump, "w", encoding="utf-8") as handle:
            json.dump({c.id: {"title": c.title, "tags": sorted(c.tags), "env": envs[c.id],
                              "botocore": bot[c.id], "awsmfa": aws[c.id]} for c in cases},
                      handle, indent=1, ensure_ascii=False)
    return Outcome(cases, bot, aws, mismatches, os.path.join(root, "oracle-report.txt"))


# --- reporting -----------------------------------------------------------------------------
def _show_file(data, limit=30) -> list[str]:
    if data is None:
        return ["    (absent)"]
    if isinstance(data, bytes):
        text = data.decode("utf-8", "backslashreplace")
    else:
        text = data
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines[:limit]:
        plain = line.isprintable()
        out.append(("    | " + line if plain else "    |r" + repr(line))[:160])
    if len(lines) > limit:
        out.append(f"    | … {len(lines) - limit} more lines")
    return out


def describe(m: Mismatch) -> str:
    case = m.case
    who = f"profile {m.profile!r}" if m.profile is not None else "whole case"
    head = f"[{case.id}] {case.title} — {who}: {m.kind}"
    if m.accepted_by:
        head += f"  (accepted: {m.accepted_by})"
    lines = [head]
    width = max(len(r[0]) for r in m.rows)
    for key, b, a in m.rows:
        lines.append(f"  {key:<{width}}  botocore: {json.dumps(b, ensure_ascii=False)}")
        lines.append(f"  {'':<{width}}  awsmfa:   {json.dumps(a, ensure_ascii=False)}")
    if case.env:
        lines.append(f"  env: {json.dumps(case.env, ensure_ascii=False)}")
    for label, path in (("config", corpus.CONFIG), ("credentials", corpus.CREDENTIALS)):
        if path in case.files:
            lines.append(f"  {label}:")
            lines += _show_file(case.files[path])
    others = [p for p in case.files if p not in (corpus.CONFIG, corpus.CREDENTIALS)]
    for path in others:
        lines.append(f"  file {path}:")
        lines += _show_file(case.files[path], 10)
    return "\n".join(lines)


def _report(o: Outcome) -> tuple[str, list[Mismatch]]:
    profiles = sum(len(r.get("results", {})) for r in o.botocore.values())

    def headline(bad, accepted):
        return (f"botocore oracle: {len(o.cases)} cases, {profiles} profile resolutions; "
                f"{len(bad)} unaccepted mismatch(es) in "
                f"{len({m.case.id for m in bad})} case(s), {len(accepted)} accepted divergence(s)")

    return oracle_report.render(headline, o.mismatches, ACCEPTED, describe)


# --- tests ---------------------------------------------------------------------------------
def test_corpus_covers_the_issue():
    cases = corpus.generate()
    assert len(cases) >= MIN_CASES
    categories = {c.category for c in cases}
    for needed in ["header", "whitespace", "continuation", "DEFAULT", "sso-session", "services",
                   "duplicates", "encoding", "merge", "static+role", "chain", "loops", "empty",
                   "paths", "region", "sts_regional", "partition", "endpoint"]:
        assert needed in categories
    assert [c.id for c in cases] == [c.id for c in corpus.generate()], "corpus is not seeded"


def test_oracle_reports_botocore_rules(outcome):
    """The oracle itself: a few of botocore's rules, so a broken oracle cannot pass silently."""
    by_title = {c.title: outcome.botocore[c.id] for c in outcome.cases}
    later = by_title["[default] then [profile default]"]["results"]["default"]
    earlier = by_title["[profile default] then [default]"]["results"]["default"]
    assert later["region"] == "us-west-2" and earlier["region"] == "us-west-2"
    chain = by_title["different mfa_serial on every hop"]["results"]["a"]
    assert [h["profile"] for h in chain["roles"]] == ["b", "a"]
    assert chain["source_profile"] == "c" and chain["mfa_serial"].endswith(":mfa/outer")
    assert [h["serial_number"] for h in chain["_extra"]["hops"]][1].endswith(":mfa/outer")
    fips = by_title["us-gov-east-1 fips=None dualstack=true"]["results"]["a"]
    assert fips["sts_endpoint"] == "https://sts.us-gov-east-1.api.aws/"
    assert "error" in by_title["UTF-8 BOM at the start of config"]
    assert by_title["AWS_CONFIG_FILE with $VAR"]["profiles"] == ["a"]
    only_region = by_title["region: profile - env {'AWS_REGION': 'ap-south-1'}"]["results"]["a"]
    assert only_region["region"] is None  # botocore reads AWS_DEFAULT_REGION, not AWS_REGION


@pytest.mark.parametrize("count", [len(corpus.generate())], ids=lambda n: f"{n}-cases")
def test_awsmfa_resolves_like_botocore(outcome, count, record_property):
    text, bad = _report(outcome)
    record_property("oracle_cases", count)
    record_property("oracle_unaccepted_mismatches", len(bad))
    oracle_report.publish(text, bad, os.environ.get("AWSMFA_ORACLE_REPORT") or outcome.report_path)
