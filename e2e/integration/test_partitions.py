"""Partitions and STS/IAM endpoints against botocore (issue 10).

1. Sources/AWSMFAKit/Config/Partitions.swift is what scripts/gen-partitions.py derives from the
   installed botocore's data: a botocore whose partitions, endpoints.json or sts/iam endpoint
   rule sets changed fails here until the script is rerun and the change reviewed.
2. AWSEndpoints (Sources/AWSMFAKit/Config/AWSEndpoints.swift) names the URL and signing region
   live botocore does, for every partition botocore knows (a listed region, the implicit global
   region, an unlisted region matching the partition's pattern), aws-global, no region, FIPS
   pseudo-regions and unknown regions, with and without use_fips_endpoint,
   use_dualstack_endpoint and (STS) sts_regional_endpoints = legacy. botocore's answer is the
   request it would send: URL and credential-scope region, captured in a before-send handler
   that answers in its place. Where botocore raises, awsmfa must refuse (exit 78).

The second part needs the hidden command
    awsmfa __endpoint sts|iam [REGION] [--fips] [--dualstack] [--legacy]
which calls AWSEndpoints.sts/iam with the region as given (no REGION: none configured; no
validation of its own) and prints `URL SIGNING_REGION` (exit 0), or one error line on stderr and
exit 78 where AWSEndpoints throws Unsupported.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "scripts" / "gen-partitions.py"

# Regions beyond those derived from botocore's partition list below, each for a reason.
EXTRA_REGIONS = [
    None,                   # nothing configured: botocore uses aws-global
    "aws-global",           # the global STS endpoint, signed as us-east-1 even for FIPS
    "us-east-1", "eu-west-1", "ap-southeast-2",  # on the legacy global list
    "ap-east-1", "me-central-1",                 # not on it
    "xx-yy-1",              # no partition claims it: aws, as botocore
    "local",                # neither; IAM still answers with aws's global endpoint
    "US-EAST-1",            # patterns are case-sensitive: aws by default
    "us-east-1-fips",       # FIPS pseudo-regions turn FIPS on
    "fips-us-gov-west-1",
    "fips-aws-global",
    "fips-eu-isoe-west-1",
    "us-fips-east-1",       # `-fips` anywhere is stripped
    "fips--x",              # stripping leaves `-x`: botocore refuses the STS host name
    "aws-cn-global",        # pseudo-regions of other partitions
    "aws-us-gov-global",
    "iam",                  # an IAM endpoint name, not a region
    "eusc-fr-east-1",       # eusc's pattern only takes `de`
]


def partition_regions() -> list[str]:
    """For every partition botocore knows: its first listed region, its implicit global region
    and a region its pattern matches that no list names (`us-gov-zz-9`)."""
    from botocore.loaders import create_loader

    regions = []
    for partition in create_loader().load_data("partitions")["partitions"]:
        listed = sorted(r for r in partition["regions"] if not r.endswith("-global"))
        regions += listed[:1] + [partition["outputs"]["implicitGlobalRegion"]]
        # `^us\-gov\-\w+\-\d+$` -> `us-gov-zz-9`: the first alternative of each group.
        pattern = re.sub(r"\(([^|)]*)[^)]*\)", r"\1", partition["regionRegex"].strip("^$"))
        regions.append(pattern.replace("\\-", "-").replace("\\w+", "zz").replace("\\d+", "9"))
    return regions


def cases() -> list[dict]:
    regions = []
    for region in partition_regions() + EXTRA_REGIONS:
        if region not in regions:
            regions.append(region)
    out = []
    for region in regions:
        for fips, dualstack in itertools.product((False, True), repeat=2):
            for legacy in (False, True):
                out.append({"service": "sts", "region": region, "fips": fips,
                            "dualstack": dualstack, "legacy": legacy})
            out.append({"service": "iam", "region": region, "fips": fips,
                        "dualstack": dualstack, "legacy": False})
    return out


class _Body:
    def stream(self, **_):
        yield b""


_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


def botocore_answers(case_list: list[dict], home: Path) -> list[dict]:
    """What botocore sends for each case: {"url", "signing_region"} or {"error": exception}."""
    import botocore.session
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    with pytest.MonkeyPatch.context() as patch:
        # Nothing from the developer's environment or files: no endpoint URLs, no FIPS.
        for name in list(os.environ):
            if name.startswith("AWS_"):
                patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        sessions = {}
        for legacy in (False, True):
            session = botocore.session.Session()
            session.set_credentials("AKIDEXAMPLE", "not-a-secret")
            session.set_config_variable("sts_regional_endpoints",
                                        "legacy" if legacy else "regional")
            sessions[legacy] = session
        answers = []
        for case in case_list:
            config = Config(use_fips_endpoint=case["fips"],
                            use_dualstack_endpoint=case["dualstack"],
                            retries={"max_attempts": 0})
            sent = {}

            def before_send(request, **_):
                authorization = request.headers.get("Authorization", b"")
                if isinstance(authorization, bytes):
                    authorization = authorization.decode()
                sent["url"] = request.url
                sent["signing_region"] = _SCOPE.search(authorization).group(1)
                return AWSResponse(request.url, 500, {}, _Body())

            try:
                client = sessions[case["legacy"]].create_client(
                    case["service"], region_name=case["region"], config=config)
                client.meta.events.register("before-send", before_send)
                try:
                    client.get_caller_identity() if case["service"] == "sts" else client.get_user()
                except Exception:
                    if "url" not in sent:
                        raise
                answers.append(sent)
            except Exception as error:  # noqa: BLE001 - any refusal is the expected answer
                answers.append({"error": f"{type(error).__name__}: {error}"})
        return answers


def test_generated_tables_match_installed_botocore():
    """Partitions.swift is exactly what gen-partitions.py derives from this botocore."""
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, (
        "Partitions.swift has drifted from the installed botocore's data; rerun "
        "scripts/gen-partitions.py and review the change:\n" + result.stdout + result.stderr)


def test_generated_file_is_foundation_free_and_versioned():
    text = (ROOT / "Sources" / "AWSMFAKit" / "Config" / "Partitions.swift").read_text()
    assert re.match(r"// Generated by scripts/gen-partitions\.py from botocore \d+\.\d+\.\d+ "
                    r"data; do not edit\.\n", text)
    for name in ("Partitions.swift", "AWSEndpoints.swift"):
        source = (ROOT / "Sources" / "AWSMFAKit" / "Config" / name).read_text()
        assert "import Foundation" not in source, name


def test_endpoints_match_botocore(awsmfa_bin, tmp_path):
    """AWSEndpoints against live botocore, case by case (see the module docstring)."""
    case_list = cases()
    assert len(case_list) >= 40
    answers = botocore_answers(case_list, tmp_path)
    table = [dict(case, botocore=answer) for case, answer in zip(case_list, answers)]
    path = tmp_path / "endpoint-cases.json"
    path.write_text(json.dumps(table, indent=1))

    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    probe = subprocess.run([awsmfa_bin, "__endpoint", "sts", "us-east-1"], capture_output=True,
                           text=True, env=environment, timeout=30)
    if probe.returncode != 0 and "__endpoint" in probe.stderr + probe.stdout:
        pytest.fail("awsmfa has no `__endpoint` command yet (the contract is in this module's "
                    f"docstring): {probe.stderr.strip() or probe.stdout.strip()}", pytrace=False)

    def awsmfa(case):
        arguments = [awsmfa_bin, "__endpoint", case["service"]]
        if case["region"] is not None:
            arguments.append(case["region"])
        arguments += [flag for flag, on in (("--fips", case["fips"]),
                                            ("--dualstack", case["dualstack"]),
                                            ("--legacy", case["legacy"])) if on]
        return subprocess.run(arguments, capture_output=True, text=True, env=environment,
                              timeout=30)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(awsmfa, table))

    failures = []
    for row, result in zip(table, results):
        expected = row["botocore"]
        label = (f"{row['service']} {row['region']!r} fips={row['fips']} "
                 f"dualstack={row['dualstack']} legacy={row['legacy']}")
        if "error" in expected:
            if result.returncode != 78 or result.stdout.strip():
                failures.append(f"{label}: botocore raises {expected['error']}; awsmfa exited "
                                f"{result.returncode} with {result.stdout.strip()!r}")
            elif not result.stderr.strip():
                failures.append(f"{label}: exit 78 without an error line")
        else:
            want = f"{expected['url']} {expected['signing_region']}"
            got = result.stdout.strip()
            if result.returncode != 0 or got != want:
                failures.append(f"{label}: botocore {want!r}, awsmfa exit {result.returncode} "
                                f"{got!r} {result.stderr.strip()!r}")
    assert not failures, (f"{len(failures)} of {len(table)} cases differ from botocore "
                          f"(all cases: {path}):\n" + "\n".join(failures[:40]))
