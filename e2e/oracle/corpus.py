#!/usr/bin/env python3
"""A seeded corpus of AWS config/credentials files and environments for the botocore oracle.

Every case is a small directory: files (config, credentials, anything else), an environment
and, optionally, extra profile names to resolve besides every listed one. `generate()` returns
the cases; `materialize()` writes one under a root and returns the environment to run it with.

Files and environment values may use two placeholders, replaced when a case is written:
``{dir}`` (the case's directory, also the working directory of both resolvers) and ``{home}``
(``{dir}/home``, the case's HOME). Unless a case sets them, AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE are left unset, so the files are found at ``~/.aws/config`` and
``~/.aws/credentials`` as the AWS CLI finds them.

Tags (``case.tags``) tell the differential test what a case deliberately contains:
``lenient:*`` marks input that botocore (really: Python's configparser) accepts by guessing
where a stricter reader may refuse it — the only direction in which awsmfa may differ from
botocore without being wrong.

    python3 corpus.py --list            # one line a case
    python3 corpus.py --write DIR       # materialize every case under DIR (with env.json each)
"""
from __future__ import annotations

import argparse
import json
import os
import random
from dataclasses import dataclass, field

DEFAULT_SEED = 20240610
CONFIG = "home/.aws/config"
CREDENTIALS = "home/.aws/credentials"


@dataclass
class Case:
    id: str
    category: str
    title: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # extra names to resolve (e.g. missing ones)
    tags: set[str] = field(default_factory=set)

    @property
    def config(self):
        return self.files.get(CONFIG)

    @property
    def credentials(self):
        return self.files.get(CREDENTIALS)


def _substitute(text, directory: str):
    home = os.path.join(directory, "home")
    if isinstance(text, bytes):
        return text.replace(b"{dir}", directory.encode()).replace(b"{home}", home.encode())
    return text.replace("{dir}", directory).replace("{home}", home)


def materialize(case: Case, root: str) -> tuple[str, dict[str, str]]:
    """Writes `case` under `root`; returns (its directory, its complete environment)."""
    directory = os.path.join(root, case.id)
    os.makedirs(os.path.join(directory, "home"), exist_ok=True)
    for relative, content in case.files.items():
        path = os.path.join(directory, _substitute(relative, directory))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = _substitute(content, directory)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    env = {"HOME": os.path.join(directory, "home")}
    env.update({k: _substitute(v, directory) for k, v in case.env.items()})
    return directory, env


# --- building blocks -------------------------------------------------------------------------

REGIONS = {
    "aws": ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
            "ap-east-1", "sa-east-1", "ca-west-1", "il-central-1", "mx-central-1",
            "ap-southeast-7"],
    "aws-cn": ["cn-north-1", "cn-northwest-1"],
    "aws-us-gov": ["us-gov-west-1", "us-gov-east-1"],
    "aws-iso": ["us-iso-east-1", "us-iso-west-1"],
    "aws-iso-b": ["us-isob-east-1", "us-isob-west-1"],
    "aws-iso-e": ["eu-isoe-west-1"],
    "aws-iso-f": ["us-isof-south-1", "us-isof-east-1"],
    "aws-eusc": ["eusc-de-east-1"],
    "global": ["aws-global", "aws-cn-global", "aws-us-gov-global", "aws-iso-global",
               "aws-iso-b-global", "aws-iso-e-global", "aws-iso-f-global"],
    "unknown": ["xx-unknown-1", "us-gov-unknown-9", "cn-unknown-7", "us-iso-unknown-3",
                "local"],
}
ALL_REGIONS = [r for group in REGIONS.values() for r in group]


class Gen:
    """Deterministic values (keys, ARNs) from one seeded RNG."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.n = 0

    def key(self) -> str:
        self.n += 1
        return f"AKIA{self.n:04d}{self.rng.randrange(16**8):08X}"

    def secret(self) -> str:
        return "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789/+")
                       for _ in range(20))

    def account(self) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(12))

    def role(self, name: str | None = None) -> str:
        name = name or self.rng.choice(["admin", "ReadOnly", "deploy", "path/to/ops", "x_y.z"])
        return f"arn:aws:iam::{self.account()}:role/{name}"

    def mfa(self, user: str | None = None) -> str:
        user = user or self.rng.choice(["alice", "bob", "ci-user", "carol.d"])
        return f"arn:aws:iam::{self.account()}:mfa/{user}"

    def keys(self, **extra) -> dict:
        return {"aws_access_key_id": self.key(), "aws_secret_access_key": self.secret(), **extra}

    def pick(self, seq):
        return self.rng.choice(seq)


def section(header: str, values: dict | None = None, sep: str = " = ") -> str:
    lines = [f"[{header}]"]
    for key, value in (values or {}).items():
        lines.append(f"{key}{sep}{value}")
    return "\n".join(lines) + "\n"


def prof(name: str, values: dict | None = None, **kw) -> str:
    return section("default" if name == "default" else f"profile {name}", values, **kw)


def cred(name: str, values: dict | None = None, **kw) -> str:
    return section(name, values, **kw)


def join(*sections: str) -> str:
    return "\n".join(sections)


class Corpus:
    def __init__(self, seed: int):
        self.g = Gen(seed)
        self.cases: list[Case] = []

    def add(self, category: str, title: str, config: str | bytes | None = None,
            credentials: str | bytes | None = None, env: dict | None = None,
            names=(), tags=(), files: dict | None = None) -> Case:
        case = Case(id=f"{len(self.cases):03d}-{category}", category=category, title=title,
                    env=dict(env or {}), names=list(names), tags=set(tags))
        if config is not None:
            case.files[CONFIG] = config
        if credentials is not None:
            case.files[CREDENTIALS] = credentials
        case.files.update(files or {})
        self.cases.append(case)
        return case

    # -- header forms and quoting ------------------------------------------------------------
    def headers(self):
        g = self.g
        forms = [
            ("profile a", "plain"), ("profile  a", "two spaces"), ("profile\ta", "tab"),
            ("profile a ", "trailing space inside brackets"), ("profile \"a b\"", "double-quoted"),
            ("profile 'a b'", "single-quoted"), ("profile \"a\"", "quoted simple name"),
            ("profile a b", "two words (shlex: 3 parts, dropped)"),
            ("profile", "no name"), ("profile \"\"", "empty quoted name"),
            ("profile \"unterminated", "unterminated quote (shlex error, dropped)"),
            ("profilex a", "prefix glued: 'profilex a'"), ("profiles a", "'profiles a'"),
            (" profile a", "leading space inside brackets"), ("Profile a", "capital P"),
            ("PROFILE a", "upper case"), ("profile a\\ b", "backslash-escaped space"),
            ("profile \"a\\\"b\"", "escaped quote inside quotes"), ("profile a#b", "hash in name"),
            ("profile a;b", "semicolon in name"), ("profile é-ü", "non-ASCII name"),
            ("profile -dash", "name starting with a dash"), ("profile a]", "bracket in name"),
            ("[profile a", "double opening bracket"), ("profile \"a\" ", "quoted, trailing space"),
            ("profile \"a b\"c", "quote glued to word"), ("profile a=b", "equals in name"),
            ("profile a.b_c-d@e", "punctuation"), ("profile 'it''s'", "adjacent quotes"),
            ("profile\u00a0a", "no-break space after 'profile'"),
            ("profile \"\\u0041\"", "backslash-u inside quotes"),
            ("profile\ta\tb", "tabs, two words"), ("profile --", "double dash name"),
        ]
        for header, title in forms:
            body = section(header, {**g.keys(), "region": g.pick(REGIONS["aws"])})
            other = prof("other", {**g.keys(), "region": "eu-west-1"})
            self.add("header", f"[{header}]: {title}", join(other, body))
        # Headers with text after the closing bracket, or indented.
        k = g.keys()
        self.add("header", "text after the closing bracket", join(
            "[profile a] ; trailing comment\n" + "\n".join(f"{x} = {y}" for x, y in k.items())),
            tags={"lenient:header-trailing-text"})
        self.add("header", "text glued after the closing bracket", join(
            "[profile a]x\n" + "\n".join(f"{x} = {y}" for x, y in g.keys().items())),
            tags={"lenient:header-trailing-text"})
        self.add("header", "two headers on one line", "[profile a] [profile b]\n"
                 + "\n".join(f"{x} = {y}" for x, y in g.keys().items()) + "\n",
                 tags={"lenient:header-trailing-text"})
        self.add("header", "indented header at file start",
                 "  [profile a]\n" + "\n".join(f"{x} = {y}" for x, y in g.keys().items()) + "\n")
        self.add("header", "indented header after a key (configparser: continuation line)",
                 "[default]\nregion = us-east-1\n  [profile b]\n"
                 + "\n".join(f"{x} = {y}" for x, y in g.keys().items()) + "\n",
                 tags={"lenient:continuation"})
        self.add("header", "[default] and [Default]",
                 join(prof("default", g.keys()), section("Default", g.keys())))
        self.add("header", "non-profile sections are ignored",
                 join(section("preview", {"cloudfront": "true"}), section("plugins", {"x": "y"}),
                      prof("a", g.keys()), section("a", g.keys())))
        self.add("header", "credentials file: [profile a] is a profile named 'profile a'",
                 prof("a", {"region": "eu-west-1"}),
                 join(cred("profile a", g.keys()), cred("a", g.keys())))
        self.add("header", "credentials file: quoted and spaced names are literal",
                 None, join(cred("\"q\"", g.keys()), cred(" sp ", g.keys()),
                            cred("a b", g.keys())))
        self.add("header", "empty section name []", "[]\nregion = x\n" + prof("a", g.keys()))
        self.add("header", "missing section header before first key",
                 "region = us-east-1\n" + prof("a", g.keys()))

    # -- whitespace and comments ---------------------------------------------------------------
    def whitespace(self):
        g = self.g

        def static(sep=" = ", **extra):
            return {**g.keys(), **extra}

        variants = [
            ("no spaces around =", prof("a", static(region="eu-west-1"), sep="="), set()),
            ("tabs around =", prof("a", static(region="eu-west-1"), sep="\t=\t"), set()),
            ("colon delimiter", prof("a", static(region="eu-west-1"), sep=": "),
             {"lenient:colon-delimiter"}),
            ("colon delimiter without space", prof("a", static(region="eu-west-1"), sep=":"),
             {"lenient:colon-delimiter"}),
            ("trailing spaces on values", prof("a", {k: v + "   " for k, v in
                                                     static(region="eu-west-1").items()}), set()),
            ("inline # comment is part of the value",
             prof("a", static(region="eu-west-1 # Ireland")), set()),
            ("inline ; comment is part of the value",
             prof("a", static(mfa_serial=g.mfa() + " ; mine")), set()),
            ("full-line comments # and ;",
             "# top\n; top\n" + prof("a", static(region="eu-west-1")).replace(
                 "\n", "\n# c\n", 1) + "; end\n", set()),
            ("indented comment lines", "  # top\n" + prof("a", static(region="eu-west-1"))
             .replace("\n", "\n    ; c\n", 1), set()),
            ("blank lines everywhere", "\n\n" + prof("a", static(region="eu-west-1"))
             .replace("\n", "\n\n\n") + "\n\n", set()),
            ("upper-case keys (configparser lower-cases keys)",
             prof("a", {k.upper(): v for k, v in static(region="eu-west-1").items()}), set()),
            ("mixed-case keys", prof("a", {"AWS_Access_Key_Id": g.key(),
                                           "Aws_Secret_Access_Key": g.secret(),
                                           "Region": "eu-west-1"}), set()),
            ("space inside key name", prof("a", {**static(), "re gion": "eu-west-1"}), set()),
            ("key without value", prof("a", static()) + "region\n",
             set()),
            ("empty key name", prof("a", static()) + "= eu-west-1\n", set()),
            ("value containing =", prof("a", static(external_id="a=b=c", role_arn=g.role(),
                                                    source_profile="b")) + prof("b", g.keys()),
             set()),
            ("value containing quotes", prof("a", static(external_id="\"quoted\"",
                                                         role_arn=g.role(), source_profile="b"))
             + prof("b", g.keys()), set()),
            ("no trailing newline", prof("a", static(region="eu-west-1")).rstrip("\n"), set()),
            ("tab-indented first key", "[profile a]\n\taws_access_key_id = " + g.key()
             + "\naws_secret_access_key = x\n", set()),
            ("whitespace-only lines inside a section",
             prof("a", static(region="eu-west-1")).replace("\n", "\n   \t \n", 2), set()),
            ("percent signs in values (no interpolation)",
             prof("a", static(external_id="50%off%(x)s", role_arn=g.role(), source_profile="b"))
             + prof("b", g.keys()), set()),
        ]
        for title, text, tags in variants:
            self.add("whitespace", title, text, tags=tags)
        self.add("whitespace", "credentials file with colon delimiter and comments", None,
                 "# creds\n" + cred("a", g.keys(), sep=":") + "; end\n",
                 tags={"lenient:colon-delimiter"})

    # -- continuation lines and nested blocks --------------------------------------------------
    def continuation(self):
        g = self.g
        k = g.keys()
        base = "\n".join(f"{a} = {b}" for a, b in k.items())
        cases = [
            ("region split over a continuation line", f"[default]\n{base}\nregion = us-\n  east-1\n",
             {"lenient:continuation"}),
            ("region as an empty-first-line block (nested parse error)",
             f"[default]\n{base}\nregion =\n  us-east-1\n", set()),
            ("role_arn continued on the next line",
             f"[profile a]\nrole_arn = arn:aws:iam::123456789012:role/\n  x\nsource_profile = default\n"
             f"[default]\n{base}\n", {"lenient:continuation"}),
            ("key indented under another key becomes its continuation",
             f"[profile a]\nrole_arn = {g.role()}\n  source_profile = default\n[default]\n{base}\n",
             {"lenient:continuation"}),
            ("blank line then an indented line still continues the value",
             f"[default]\n{base}\nregion = eu-west-1\n\n  more\n", {"lenient:continuation"}),
            ("comment inside a continuation is skipped",
             f"[default]\n{base}\nregion = eu-west-1\n  # note\n", set()),
            ("nested block for s3 (ignored for STS)",
             f"[default]\n{base}\nregion = eu-west-1\ns3 =\n  addressing_style = path\n  "
             f"signature_version = s3v4\n", set()),
            ("nested block line without = (parse error)",
             f"[default]\n{base}\ns3 =\n  addressing_style\n", set()),
            ("nested sts block inside a profile (not a services section)",
             f"[default]\n{base}\nregion = eu-west-1\nsts =\n  endpoint_url = http://nested.example\n",
             set()),
            ("continuation indented with a tab",
             f"[default]\n{base}\nmfa_serial = arn:aws:iam::123456789012:\n\tmfa/u\n",
             {"lenient:continuation"}),
            ("deeper-indented key after an indented first key",
             f"[default]\n  {base.splitlines()[0]}\n    {base.splitlines()[1]}\n",
             {"lenient:continuation"}),
            ("same-indent keys under an indented first key",
             f"[default]\n  {base.splitlines()[0]}\n  {base.splitlines()[1]}\n  region = eu-west-1\n",
             set()),
            ("mfa_serial block value (nested dict where a string is expected)",
             f"[profile a]\nrole_arn = {g.role()}\nsource_profile = default\nmfa_serial =\n  a = b\n"
             f"[default]\n{base}\n", set()),
            ("continuation of the last key at end of file with trailing blank lines",
             f"[default]\n{base}\nexternal_id = x\n  y\n\n\n", {"lenient:continuation"}),
        ]
        for title, text, tags in cases:
            self.add("continuation", title, text, tags=tags)

    # -- [DEFAULT] -----------------------------------------------------------------------------
    def default_section(self):
        g = self.g
        tag = {"lenient:DEFAULT"}
        self.add("DEFAULT", "[DEFAULT] region applies to every profile",
                 join(section("DEFAULT", {"region": "eu-west-3"}), prof("a", g.keys()),
                      prof("b", {**g.keys(), "region": "us-west-2"})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] keys make every profile a static profile",
                 join(section("DEFAULT", g.keys()), prof("a", {"region": "eu-west-1"}),
                      prof("b", {})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] role_arn + source_profile turns every profile into a role",
                 join(section("DEFAULT", {"role_arn": g.role(), "source_profile": "base"}),
                      prof("base", g.keys()), prof("a", {})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] after the profiles still applies",
                 join(prof("a", g.keys()), section("DEFAULT", {"mfa_serial": g.mfa()})), tags=tag)
        self.add("DEFAULT", "two [DEFAULT] sections merge",
                 join(section("DEFAULT", {"region": "eu-west-1"}), prof("a", g.keys()),
                      section("DEFAULT", {"sts_regional_endpoints": "legacy"})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] in the credentials file",
                 prof("a", {"region": "eu-west-1"}),
                 join(section("DEFAULT", {"aws_secret_access_key": g.secret()}),
                      cred("a", {"aws_access_key_id": g.key()})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] endpoint_url",
                 join(section("DEFAULT", {"endpoint_url": "http://localhost:4566"}),
                      prof("a", {**g.keys(), "region": "us-east-1"})), tags=tag)
        self.add("DEFAULT", "[DEFAULT] alone defines no profile",
                 section("DEFAULT", g.keys()), tags=tag)
        self.add("DEFAULT", "[default] is not [DEFAULT]",
                 join(section("default", {**g.keys(), "region": "eu-west-1"}),
                      prof("a", g.keys())))
        self.add("DEFAULT", "[DEFAULT] services applies to a services section too",
                 join(section("DEFAULT", {"region": "eu-west-2"}),
                      "[services s]\nsts =\n  endpoint_url = http://svc.example\n",
                      prof("a", {**g.keys(), "services": "s"})), tags=tag)

    # -- [sso-session] -------------------------------------------------------------------------
    def sso(self):
        g = self.g
        sso = {"sso_start_url": "https://example.awsapps.com/start", "sso_region": "us-east-1"}
        self.add("sso-session", "sso-session named like a profile is not a profile",
                 join(section("sso-session a", sso), prof("b", g.keys())))
        self.add("sso-session", "sso-session with quoted name",
                 join(section("sso-session \"my sso\"", sso), prof("b", g.keys())))
        self.add("sso-session", "sso-session without a name",
                 join(section("sso-session", sso), prof("b", g.keys())))
        self.add("sso-session", "profile using an sso_session (no token cached)",
                 join(section("sso-session s", sso),
                      prof("a", {"sso_session": "s", "sso_account_id": "123456789012",
                                 "sso_role_name": "R"}), prof("b", g.keys())))
        self.add("sso-session", "sso profile used as a source_profile",
                 join(prof("src", {**sso, "sso_account_id": "123456789012", "sso_role_name": "R"}),
                      prof("a", {"role_arn": g.role(), "source_profile": "src"})))
        self.add("sso-session", "legacy sso profile that also has static keys",
                 join(prof("a", {**sso, "sso_account_id": "123456789012", "sso_role_name": "R",
                                 **g.keys()})))
        self.add("sso-session", "[sso-sessionx y] is an sso-session (prefix match)",
                 join(section("sso-sessionx y", sso), prof("y", g.keys())))

    # -- [services NAME] -----------------------------------------------------------------------
    def services(self):
        g = self.g
        svc = "[services s]\nsts =\n  endpoint_url = http://svc.example:4566\n"
        for region in ["us-east-1", "eu-west-1", None]:
            vals = {**g.keys(), "services": "s"}
            if region:
                vals["region"] = region
            self.add("services", f"services section sts endpoint, region {region}",
                     join(svc, prof("a", vals)))
        self.add("services", "services section missing",
                 prof("a", {**g.keys(), "services": "nope", "region": "us-east-1"}))
        self.add("services", "services section without sts",
                 join("[services s]\niam =\n  endpoint_url = http://iam.example\n",
                      prof("a", {**g.keys(), "services": "s", "region": "eu-west-1"})))
        self.add("services", "services sts given as a flat value",
                 join("[services s]\nsts = http://flat.example\n",
                      prof("a", {**g.keys(), "services": "s", "region": "eu-west-1"})))
        self.add("services", "services section and profile endpoint_url (services wins)",
                 join(svc, prof("a", {**g.keys(), "services": "s", "region": "eu-west-1",
                                      "endpoint_url": "http://profile.example"})))
        self.add("services", "env AWS_ENDPOINT_URL beats the services section",
                 join(svc, prof("a", {**g.keys(), "services": "s", "region": "eu-west-1"})),
                 env={"AWS_ENDPOINT_URL": "http://global-env.example"})
        self.add("services", "env AWS_ENDPOINT_URL_STS beats everything",
                 join(svc, prof("a", {**g.keys(), "services": "s", "region": "eu-west-1",
                                      "endpoint_url": "http://profile.example"})),
                 env={"AWS_ENDPOINT_URL_STS": "http://sts-env.example",
                      "AWS_ENDPOINT_URL": "http://global-env.example"})
        self.add("services", "services key in upper case inside the block is not endpoint_url",
                 join("[services s]\nsts =\n  ENDPOINT_URL = http://upper.example\n",
                      prof("a", {**g.keys(), "services": "s", "region": "eu-west-1"})))
        self.add("services", "services block with spaces around = and a blank line",
                 join("[services s]\nsts =\n\n   endpoint_url   =   http://spaced.example  \n",
                      prof("a", {**g.keys(), "services": "s", "region": "eu-west-1"})))
        self.add("services", "quoted services section name",
                 join("[services \"my svc\"]\nsts =\n  endpoint_url = http://quoted.example\n",
                      prof("a", {**g.keys(), "services": "my svc", "region": "eu-west-1"})))
        self.add("services", "services section ignored with ignore_configured_endpoint_urls",
                 join(svc, prof("a", {**g.keys(), "services": "s", "region": "eu-west-1",
                                      "ignore_configured_endpoint_urls": "true"})))
        self.add("services", "services referenced from the source profile only (not used)",
                 join(svc, prof("src", {**g.keys(), "services": "s"}),
                      prof("a", {"role_arn": g.role(), "source_profile": "src",
                                 "region": "eu-west-1"})))
        self.add("services", "services name defined twice (configparser duplicate section)",
                 join(svc, svc.replace("svc.example", "other.example"),
                      prof("a", {**g.keys(), "services": "s"})))
        self.add("services", "two services sections with names that shlex to the same",
                 join(svc, "[services \"s\"]\nsts =\n  endpoint_url = http://second.example\n",
                      prof("a", {**g.keys(), "services": "s", "region": "us-west-2"})))
        self.add("services", "services sts endpoint_url with a path",
                 join("[services s]\nsts =\n  endpoint_url = https://proxy.example/aws/sts\n",
                      prof("a", {**g.keys(), "services": "s", "region": "us-west-2"})))
        self.add("services", "services name in the credentials file",
                 join(svc, prof("a", {"region": "eu-west-1"})),
                 cred("a", {**g.keys(), "services": "s"}))

    # -- duplicates ---------------------------------------------------------------------------
    def duplicates(self):
        g = self.g
        a1 = prof("a", {**g.keys(), "region": "eu-west-1"})
        a2 = prof("a", {**g.keys(), "region": "us-west-2"})
        self.add("duplicates", "same [profile a] twice", join(a1, a2))
        self.add("duplicates", "same key twice in a section",
                 prof("a", g.keys()) + "region = eu-west-1\nregion = us-west-2\n")
        self.add("duplicates", "same key twice in a section, different case",
                 prof("a", g.keys()) + "region = eu-west-1\nREGION = us-west-2\n")
        for first, second in [("default", "profile default"), ("profile default", "default")]:
            self.add("duplicates", f"[{first}] then [{second}]",
                     join(section(first, {**g.keys(), "region": "eu-west-1"}),
                          section(second, {**g.keys(), "region": "us-west-2"})))
        self.add("duplicates", "[profile default] only",
                 section("profile default", {**g.keys(), "region": "eu-west-1"}))
        self.add("duplicates", "[default] then [profile default] with disjoint keys",
                 join(section("default", {**g.keys()}),
                      section("profile default", {"region": "us-west-2"})))
        self.add("duplicates", "[profile a] and [profile \"a\"] (later wins)",
                 join(section("profile a", {**g.keys(), "region": "eu-west-1"}),
                      section("profile \"a\"", {**g.keys(), "region": "us-west-2"})))
        self.add("duplicates", "[profile a] and [profile  a] (later wins)",
                 join(section("profile a", {**g.keys(), "region": "eu-west-1"}),
                      section("profile  a", {"region": "us-west-2"})))
        self.add("duplicates", "[profile a] and [profilex a] (later wins)",
                 join(section("profile a", {**g.keys(), "region": "eu-west-1"}),
                      section("profilex a", {**g.keys(), "region": "ap-south-1"})))
        self.add("duplicates", "duplicate section in the credentials file",
                 prof("a", {"region": "eu-west-1"}), join(cred("a", g.keys()), cred("a", g.keys())))
        self.add("duplicates", "same profile in config and credentials: keys merged",
                 prof("a", {"region": "eu-west-1", "mfa_serial": g.mfa()}),
                 cred("a", {**g.keys(), "region": "us-west-2"}))
        self.add("duplicates", "profile order: config order, then credentials-only",
                 join(prof("z", g.keys()), prof("default", g.keys()), prof("m", g.keys())),
                 join(cred("b", g.keys()), cred("m", g.keys()), cred("a", g.keys())))
        self.add("duplicates", "[profile default] first then [default]: order of profile list",
                 join(prof("x", g.keys()), section("profile default", g.keys()),
                      prof("y", g.keys()), section("default", {**g.keys(), "region": "eu-west-1"})))

    # -- encodings and line endings ----------------------------------------------------------
    def encoding(self):
        g = self.g
        base = prof("a", {**g.keys(), "region": "eu-west-1"})
        creds = cred("c", g.keys())
        bom = b"\xef\xbb\xbf"
        self.add("encoding", "UTF-8 BOM at the start of config", bom + base.encode())
        self.add("encoding", "UTF-8 BOM at the start of credentials", base, bom + creds.encode())
        self.add("encoding", "BOM before a comment line", bom + b"# c\n" + base.encode())
        self.add("encoding", "CRLF config", base.replace("\n", "\r\n").encode())
        self.add("encoding", "CRLF credentials", base, creds.replace("\n", "\r\n").encode())
        self.add("encoding", "lone CR config", base.replace("\n", "\r").encode())
        self.add("encoding", "lone CR credentials", base, creds.replace("\n", "\r").encode())
        self.add("encoding", "lone CR inside a value line",
                 (prof("a", g.keys()) + "region = eu-west-1\rsts_regional_endpoints = legacy\n")
                 .encode())
        self.add("encoding", "mixed line endings",
                 (prof("a", g.keys()).replace("\n", "\r\n", 1) + "region = eu-west-1\r"
                  + prof("b", g.keys())).encode())
        self.add("encoding", "invalid UTF-8 in a value",
                 base.encode() + b"external_id = \xff\xfe\n")
        self.add("encoding", "invalid UTF-8 in a comment", b"# caf\xe9\n" + base.encode())
        self.add("encoding", "invalid UTF-8 in the credentials file", base,
                 creds.encode() + b"# \xc3\x28\n")
        self.add("encoding", "non-ASCII value (valid UTF-8)",
                 prof("a", {**g.keys(), "external_id": "ünïcödé-✓", "role_arn": g.role(),
                            "source_profile": "b"}) + prof("b", g.keys()))
        self.add("encoding", "form feed and vertical tab in whitespace",
                 "[profile a]\naws_access_key_id =\x0c" + g.key() + "\naws_secret_access_key = s\v\n")
        self.add("encoding", "NUL byte inside a value",
                 (prof("a", g.keys()) + "external_id = a\x00b\n").encode())
        self.add("encoding", "empty config file", "")
        self.add("encoding", "config file of blank lines and comments only", "\n\n# x\n;y\n\n")
        self.add("encoding", "CRLF with a continuation line",
                 (prof("a", g.keys()) + "role_arn = arn:aws:iam::1:role/\r\n  x\r\n"
                  "source_profile = a\r\n").encode(), tags={"lenient:continuation"})

    # -- credentials-file merge ----------------------------------------------------------------
    def merge(self):
        g = self.g
        k1, k2 = g.keys(), g.keys()
        self.add("merge", "keys in credentials only", prof("a", {"region": "eu-west-1"}),
                 cred("a", k1))
        self.add("merge", "keys in config only", prof("a", {**k1, "region": "eu-west-1"}), "")
        self.add("merge", "keys in both: credentials file wins", prof("a", k1), cred("a", k2))
        self.add("merge", "access key in credentials, secret in config",
                 prof("a", {"aws_secret_access_key": g.secret()}),
                 cred("a", {"aws_access_key_id": g.key()}))
        self.add("merge", "secret in credentials, access key in config",
                 prof("a", {"aws_access_key_id": g.key()}),
                 cred("a", {"aws_secret_access_key": g.secret()}))
        self.add("merge", "access key only, anywhere", prof("a", {"aws_access_key_id": g.key()}))
        self.add("merge", "role_arn in the credentials file",
                 join(prof("a", {"region": "eu-west-1"}), prof("base", g.keys())),
                 cred("a", {"role_arn": g.role(), "source_profile": "base"}))
        self.add("merge", "role_arn in config, source_profile in credentials",
                 join(prof("a", {"role_arn": g.role()}), prof("base", g.keys())),
                 cred("a", {"source_profile": "base"}))
        self.add("merge", "region in the credentials file", prof("a", k1),
                 cred("a", {"region": "ap-southeast-2"}))
        self.add("merge", "region in both files: credentials wins",
                 prof("a", {**k1, "region": "eu-west-1"}), cred("a", {"region": "ap-south-1"}))
        self.add("merge", "mfa_serial in the credentials file", prof("a", {"region": "eu-west-1"}),
                 cred("a", {**k1, "mfa_serial": g.mfa()}))
        self.add("merge", "mfa_serial in both: credentials wins",
                 prof("a", {**k1, "mfa_serial": g.mfa("config")}),
                 cred("a", {"mfa_serial": g.mfa("creds")}))
        self.add("merge", "external_id / duration / session name in the credentials file",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "base"}),
                      prof("base", g.keys())),
                 cred("a", {"external_id": "ext-creds", "duration_seconds": "1800",
                            "role_session_name": "from-creds"}))
        self.add("merge", "sts_regional_endpoints and fips in the credentials file",
                 prof("a", {**k1, "region": "us-east-1"}),
                 cred("a", {"sts_regional_endpoints": "legacy", "use_fips_endpoint": "true"}))
        self.add("merge", "endpoint_url in the credentials file",
                 prof("a", {**k1, "region": "us-east-1"}),
                 cred("a", {"endpoint_url": "http://creds.example"}))
        self.add("merge", "aws_session_token on the source keys (temporary keys)",
                 prof("a", {"region": "eu-west-1"}), cred("a", {**k1, "aws_session_token": "tok"}))
        self.add("merge", "aws_security_token on the source keys (legacy name)",
                 prof("a", {"region": "eu-west-1"}),
                 cred("a", {**k1, "aws_security_token": "tok"}))
        self.add("merge", "aws_security_token in the config file",
                 prof("a", {**k1, "aws_security_token": "tok"}))
        self.add("merge", "both token names", prof("a", {"region": "eu-west-1"}),
                 cred("a", {**k1, "aws_security_token": "t1", "aws_session_token": "t2"}))
        self.add("merge", "empty aws_session_token", prof("a", {"region": "eu-west-1"}),
                 cred("a", {**k1, "aws_session_token": ""}))
        self.add("merge", "token in credentials, keys in config",
                 prof("a", k1), cred("a", {"aws_session_token": "tok"}))
        self.add("merge", "role source with aws_security_token",
                 join(prof("r", {"role_arn": g.role(), "source_profile": "s"}), prof("s", {})),
                 cred("s", {**k1, "aws_security_token": "tok"}))
        self.add("merge", "empty access key in credentials, keys in config",
                 prof("a", k1), cred("a", {"aws_access_key_id": "", "aws_secret_access_key": ""}))
        self.add("merge", "empty secret in credentials",
                 prof("a", {"region": "eu-west-1"}),
                 cred("a", {"aws_access_key_id": g.key(), "aws_secret_access_key": ""}))
        self.add("merge", "credentials-only profile used as source_profile",
                 prof("r", {"role_arn": g.role(), "source_profile": "onlycreds"}),
                 cred("onlycreds", k2))
        self.add("merge", "credentials-only default",
                 prof("r", {"role_arn": g.role(), "source_profile": "default"}),
                 cred("default", k2))
        self.add("merge", "aws_account_id alongside keys", prof("a", {**k1, "aws_account_id":
                                                                      g.account()}))
        self.add("merge", "credential_process in the credentials file, keys in config",
                 prof("a", k1), cred("a", {"credential_process": "/bin/false"}))

    # -- sources with both static keys and role_arn --------------------------------------------
    def static_and_role(self):
        g = self.g
        self.add("static+role", "source profile with keys and its own role: keys win",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {**g.keys(), "role_arn": g.role(), "source_profile": "c"}),
                      prof("c", g.keys())))
        self.add("static+role", "asked-for profile with keys and role_arn: the role wins",
                 join(prof("a", {**g.keys(), "role_arn": g.role(), "source_profile": "b"}),
                      prof("b", g.keys())))
        self.add("static+role", "self-referencing source with keys",
                 prof("a", {**g.keys(), "role_arn": g.role(), "source_profile": "a",
                            "mfa_serial": g.mfa()}))
        self.add("static+role", "self-referencing source without keys", prof(
            "a", {"role_arn": g.role(), "source_profile": "a"}))
        self.add("static+role", "self-referencing source with keys in the credentials file",
                 prof("a", {"role_arn": g.role(), "source_profile": "a"}), cred("a", g.keys()))
        self.add("static+role", "keys + role_arn without source_profile",
                 prof("a", {**g.keys(), "role_arn": g.role()}))
        self.add("static+role", "chain through a self-referencing middle profile",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {**g.keys(), "role_arn": g.role(), "source_profile": "b"})))
        self.add("static+role", "middle profile with only a secret key and a role",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"aws_secret_access_key": "s", "role_arn": g.role(),
                                 "source_profile": "c"}), prof("c", g.keys())))
        self.add("static+role", "middle profile with only an access key and a role",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"aws_access_key_id": g.key(), "role_arn": g.role(),
                                 "source_profile": "c"}), prof("c", g.keys())))
        self.add("static+role", "source keys in credentials, role in config for the source",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"role_arn": g.role(), "source_profile": "c"}),
                      prof("c", g.keys())), cred("b", g.keys()))
        self.add("static+role", "web_identity_token_file on the asked-for profile",
                 prof("a", {"role_arn": g.role(), "web_identity_token_file": "{dir}/token",
                            "source_profile": "b"}) + prof("b", g.keys()),
                 files={"token": "eyJ.fake.token"})
        self.add("static+role", "web_identity_token_file on the source profile",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"role_arn": g.role(), "web_identity_token_file": "{dir}/nope"})))

    # -- chains --------------------------------------------------------------------------------
    def chains(self):
        g = self.g
        durations = ["900", "3600", "43200", "899", "43201", "abc", "+3600", "3_600", "", "0",
                     "1e3", "-1", " 7200", "٣٦٠٠", "3600.0", "129600"]
        names_ = ["s", "session-1", "a b", "x" * 64, "x" * 65, "", "é", "a", "ok_name=@,.-"]
        ext_ids = ["ext", "a", "", "x" * 1224, "with space", "ext/=+@:,."]
        for i in range(40):
            length = g.rng.randint(1, 6)
            names = [f"p{i}-{j}" for j in range(length + 1)]  # names[-1] holds the keys
            sections = []
            env = {}
            for j, name in enumerate(names[:-1]):
                vals = {"role_arn": g.role(), "source_profile": names[j + 1]}
                r = g.rng.random()
                if r < 0.35:
                    vals["mfa_serial"] = g.mfa()
                elif r < 0.4:
                    vals["mfa_serial"] = ""
                if g.rng.random() < 0.3:
                    vals["external_id"] = g.pick(ext_ids)
                if g.rng.random() < 0.3:
                    vals["role_session_name"] = g.pick(names_)
                if g.rng.random() < 0.3:
                    vals["duration_seconds"] = g.pick(durations)
                if g.rng.random() < 0.3:
                    vals["region"] = g.pick(ALL_REGIONS)
                sections.append(prof(name, vals))
            src = {**g.keys()}
            if g.rng.random() < 0.4:
                src["mfa_serial"] = g.mfa()
            if g.rng.random() < 0.3:
                src["region"] = g.pick(REGIONS["aws"])
            sections.append(prof(names[-1], src))
            if g.rng.random() < 0.2:
                env["AWS_DEFAULT_REGION"] = g.pick(REGIONS["aws"])
            g.rng.shuffle(sections)
            tags = set()
            if any("duration_seconds" in s for s in sections):
                tags.add("duration")
            self.add("chain", f"chain of {length} role(s), random parameters", join(*sections),
                     env=env, tags=tags)
        # Explicit: the region of the source is not inherited; mfa on the source only.
        self.add("chain", "region only on the source profile (botocore does not inherit it)",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {**g.keys(), "region": "eu-central-1"})))
        self.add("chain", "mfa_serial only on the source profile",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {**g.keys(), "mfa_serial": g.mfa()})))
        self.add("chain", "mfa_serial on the outer role only",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "mfa_serial": g.mfa()}),
                      prof("b", {"role_arn": g.role(), "source_profile": "c"}),
                      prof("c", g.keys())))
        self.add("chain", "different mfa_serial on every hop",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "mfa_serial": g.mfa("outer")}),
                      prof("b", {"role_arn": g.role(), "source_profile": "c",
                                 "mfa_serial": g.mfa("inner")}),
                      prof("c", {**g.keys(), "mfa_serial": g.mfa("source")})))
        self.add("chain", "source_profile names a profile only in the credentials file, "
                 "role in config", prof("a", {"role_arn": g.role(), "source_profile": "c"}),
                 cred("c", g.keys()))
        self.add("chain", "source_profile with surrounding quotes (taken literally)",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "\"b\""}),
                      prof("b", g.keys())))
        self.add("chain", "source_profile with a space in its name",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b c"}),
                      section("profile \"b c\"", g.keys())))
        self.add("chain", "source_profile = default, [default] in credentials only",
                 prof("a", {"role_arn": g.role(), "source_profile": "default",
                            "mfa_serial": g.mfa()}), cred("default", g.keys()))
        self.add("chain", "source_profile upper-case differs from the section name",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "B"}),
                      prof("b", g.keys())))
        self.add("chain", "role_arn that is not an ARN",
                 join(prof("a", {"role_arn": "not-an-arn", "source_profile": "b"}),
                      prof("b", g.keys())))
        self.add("chain", "role_arn shorter than the API's minimum (20)",
                 join(prof("a", {"role_arn": "arn:aws:iam::1:r/x", "source_profile": "b"}),
                      prof("b", g.keys())))
        self.add("chain", "mfa_serial shorter than the API's minimum (9)",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "mfa_serial": "GAHT123"}), prof("b", g.keys())))
        self.add("chain", "mfa_serial that is a hardware token serial",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "mfa_serial": "GAHT12345678"}), prof("b", g.keys())))

    # -- loops and broken references ---------------------------------------------------------
    def loops(self):
        g = self.g
        self.add("loops", "a -> b -> a", join(
            prof("a", {"role_arn": g.role(), "source_profile": "b"}),
            prof("b", {"role_arn": g.role(), "source_profile": "a"})))
        self.add("loops", "a -> b -> c -> a", join(
            prof("a", {"role_arn": g.role(), "source_profile": "b"}),
            prof("b", {"role_arn": g.role(), "source_profile": "c"}),
            prof("c", {"role_arn": g.role(), "source_profile": "a"})))
        self.add("loops", "a -> b -> b (b self-sources without keys)", join(
            prof("a", {"role_arn": g.role(), "source_profile": "b"}),
            prof("b", {"role_arn": g.role(), "source_profile": "b"})))
        self.add("loops", "a -> b -> a where a has keys", join(
            prof("a", {**g.keys(), "role_arn": g.role(), "source_profile": "b"}),
            prof("b", {"role_arn": g.role(), "source_profile": "a"})))
        self.add("loops", "source_profile does not exist",
                 prof("a", {"role_arn": g.role(), "source_profile": "ghost"}))
        self.add("loops", "source_profile is empty",
                 prof("a", {"role_arn": g.role(), "source_profile": ""}))
        self.add("loops", "source_profile is empty and a profile named '' exists",
                 join(prof("a", {"role_arn": g.role(), "source_profile": ""}),
                      section("profile \"\"", g.keys())))
        self.add("loops", "source_profile names a profile without credentials",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"region": "eu-west-1"})))
        self.add("loops", "role_arn without source_profile or credential_source",
                 prof("a", {"role_arn": g.role(), "mfa_serial": g.mfa()}))
        self.add("loops", "credential_source and source_profile both set", join(
            prof("a", {"role_arn": g.role(), "source_profile": "b",
                       "credential_source": "Environment"}), prof("b", g.keys())))
        for source, env in [("Environment", {"AWS_ACCESS_KEY_ID": "AKIAENVSOURCE0000001",
                                             "AWS_SECRET_ACCESS_KEY": "envsecret"}),
                            ("Environment", {}), ("Ec2InstanceMetadata", {}),
                            ("EcsContainer", {}), ("bogus", {}),
                            ("environment", {"AWS_ACCESS_KEY_ID": "AKIAENVSOURCE0000002",
                                             "AWS_SECRET_ACCESS_KEY": "envsecret"})]:
            self.add("loops", f"credential_source = {source} (env keys: {bool(env)})",
                     prof("a", {"role_arn": g.role(), "credential_source": source}), env=env)
        self.add("loops", "credential_process as the source",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {"credential_process": "/bin/echo {}"})))
        self.add("loops", "credential_process on the asked-for profile",
                 prof("a", {"credential_process": "/bin/echo {}"}))
        self.add("loops", "config-file keys and credential_process: botocore runs the process first",
                 prof("a", {**g.keys(), "credential_process": "/bin/echo {}"}))
        self.add("loops", "ambient AWS_ACCESS_KEY_ID with a profile that has keys",
                 prof("a", g.keys()), env={"AWS_ACCESS_KEY_ID": "AKIAAMBIENT000000001",
                                           "AWS_SECRET_ACCESS_KEY": "ambient"})
        self.add("loops", "ambient AWS_ACCESS_KEY_ID with a profile without keys",
                 prof("a", {"region": "eu-west-1"}),
                 env={"AWS_ACCESS_KEY_ID": "AKIAAMBIENT000000002",
                      "AWS_SECRET_ACCESS_KEY": "ambient", "AWS_PROFILE": "a"})
        self.add("loops", "credentials-file keys and credential_process: the keys come first",
                 prof("a", {"credential_process": "/bin/echo {}"}), cred("a", g.keys()))
        self.add("loops", "a profile that is not in either file", prof("a", g.keys()),
                 names=["ghost", "default"])

    # -- empty values -------------------------------------------------------------------------
    def empty(self):
        g = self.g
        for key in ["region", "role_arn", "mfa_serial", "external_id", "role_session_name",
                    "duration_seconds", "endpoint_url", "sts_regional_endpoints",
                    "use_fips_endpoint", "use_dualstack_endpoint",
                    "ignore_configured_endpoint_urls", "services", "credential_source",
                    "aws_access_key_id", "aws_secret_access_key"]:
            vals = {"role_arn": g.role(), "source_profile": "b", "region": "eu-west-1"}
            vals[key] = ""
            tags = {"duration"} if key == "duration_seconds" else set()
            self.add("empty", f"empty {key} on a role profile",
                     join(prof("a", vals), prof("b", g.keys())), tags=tags)
        self.add("empty", "empty region on the source profile",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b"}),
                      prof("b", {**g.keys(), "region": ""})))
        self.add("empty", "empty values everywhere", "[profile a]\nregion =\nmfa_serial =\n"
                 "aws_access_key_id =\naws_secret_access_key =\n")

    # -- file locations from the environment ---------------------------------------------------
    def paths(self):
        g = self.g

        def body():
            return prof("a", {**g.keys(), "region": g.pick(REGIONS["aws"])})

        def creds():
            return cred("c", g.keys())

        self.add("paths", "absolute AWS_CONFIG_FILE", None,
                 env={"AWS_CONFIG_FILE": "{dir}/elsewhere/cfg"},
                 files={"elsewhere/cfg": body(), CONFIG: body()})
        self.add("paths", "AWS_CONFIG_FILE with ~/", None, env={"AWS_CONFIG_FILE": "~/conf/cfg"},
                 files={"home/conf/cfg": body()})
        self.add("paths", "AWS_SHARED_CREDENTIALS_FILE with ~/", body(),
                 env={"AWS_SHARED_CREDENTIALS_FILE": "~/conf/creds"},
                 files={"home/conf/creds": creds()})
        self.add("paths", "AWS_CONFIG_FILE with $VAR", None,
                 env={"AWS_CONFIG_FILE": "$CFGDIR/cfg", "CFGDIR": "{dir}/var"},
                 files={"var/cfg": body()})
        self.add("paths", "AWS_CONFIG_FILE with ${VAR}", None,
                 env={"AWS_CONFIG_FILE": "${CFGDIR}/cfg", "CFGDIR": "{dir}/var"},
                 files={"var/cfg": body()})
        self.add("paths", "AWS_SHARED_CREDENTIALS_FILE with $HOME", body(),
                 env={"AWS_SHARED_CREDENTIALS_FILE": "$HOME/c2"}, files={"home/c2": creds()})
        self.add("paths", "AWS_CONFIG_FILE with an unset $VAR (kept literally, relative)",
                 None, env={"AWS_CONFIG_FILE": "$UNSETVAR/cfg"},
                 files={"$UNSETVAR/cfg": body()})
        self.add("paths", "$VAR that expands to a ~ path (expandvars, then expanduser)", None,
                 env={"AWS_CONFIG_FILE": "$CFG", "CFG": "~/tilde/cfg"},
                 files={"home/tilde/cfg": body()})
        self.add("paths", "~ alone in the middle of the path is literal", None,
                 env={"AWS_CONFIG_FILE": "{dir}/~/cfg"}, files={"~/cfg": body()})
        self.add("paths", "relative AWS_CONFIG_FILE (relative to the working directory)", None,
                 env={"AWS_CONFIG_FILE": "rel/cfg"}, files={"rel/cfg": body()})
        self.add("paths", "empty AWS_CONFIG_FILE (botocore: no config file at all)",
                 body(), env={"AWS_CONFIG_FILE": ""})
        self.add("paths", "empty AWS_SHARED_CREDENTIALS_FILE", body(), creds(),
                 env={"AWS_SHARED_CREDENTIALS_FILE": ""})
        self.add("paths", "AWS_CONFIG_FILE names a missing file", body(),
                 env={"AWS_CONFIG_FILE": "{dir}/missing"})
        self.add("paths", "AWS_CONFIG_FILE names a directory", body(),
                 env={"AWS_CONFIG_FILE": "{dir}/adir"}, files={"adir/x": "x"},
                 tags={"lenient:not-a-file"})
        self.add("paths", "AWS_SHARED_CREDENTIALS_FILE names a directory", body(),
                 env={"AWS_SHARED_CREDENTIALS_FILE": "{dir}/adir"}, files={"adir/x": "x"},
                 tags={"lenient:not-a-file"})
        self.add("paths", "config and credentials are the same file", None,
                 env={"AWS_CONFIG_FILE": "{dir}/both", "AWS_SHARED_CREDENTIALS_FILE": "{dir}/both"},
                 files={"both": join(prof("a", {**g.keys(), "region": "eu-west-1"}),
                                     section("default", g.keys()))})
        self.add("paths", "HOME with a trailing slash", body(), env={"HOME": "{dir}/home/"})
        self.add("paths", "~/ path with HOME pointing elsewhere", None,
                 env={"AWS_CONFIG_FILE": "~/cfg", "HOME": "{dir}/otherhome"},
                 files={"otherhome/cfg": body()})
        self.add("paths", "AWS_CONFIG_FILE with both ~ and $VAR", None,
                 env={"AWS_CONFIG_FILE": "~/$SUB/cfg", "SUB": "nested"},
                 files={"home/nested/cfg": body()})
        self.add("paths", "AWS_CONFIG_FILE with a doubled slash and dot segments", None,
                 env={"AWS_CONFIG_FILE": "{dir}//a/./b/../cfg"},
                 files={"a/cfg": body(), "a/b/x": "x"})
        self.add("paths", "AWS_PROFILE does not change what each profile resolves to",
                 join(body(), prof("b", g.keys())), env={"AWS_PROFILE": "b",
                                                         "AWS_DEFAULT_PROFILE": "a"})

    # -- region precedence --------------------------------------------------------------------
    def regions(self):
        g = self.g
        combos = [
            ({"region": "eu-west-1"}, {}),
            ({}, {"AWS_DEFAULT_REGION": "eu-north-1"}),
            ({}, {"AWS_REGION": "ap-south-1"}),
            ({"region": "eu-west-1"}, {"AWS_DEFAULT_REGION": "eu-north-1"}),
            ({"region": "eu-west-1"}, {"AWS_REGION": "ap-south-1"}),
            ({}, {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-north-1"}),
            ({"region": "eu-west-1"}, {"AWS_REGION": "ap-south-1",
                                       "AWS_DEFAULT_REGION": "eu-north-1"}),
            ({"region": "eu-west-1"}, {"AWS_DEFAULT_REGION": ""}),
            ({"region": "eu-west-1"}, {"AWS_REGION": ""}),
            ({}, {"AWS_DEFAULT_REGION": "  "}),
        ]
        for profile_vals, env in combos:
            self.add("region", f"region: profile {profile_vals or '-'} env {env or '-'}",
                     prof("a", {**g.keys(), **profile_vals}), env=env)
        for bad in ["us east 1", "US-EAST-1", "-us-east-1", "us-east-1-", "12345", "a" * 63,
                    "a" * 64, "us-east-1.evil.example", "us_east_1", "x@evil:1/#", "é"]:
            self.add("region", f"unusual region {bad!r}",
                     prof("a", {**g.keys(), "region": bad}))
        self.add("region", "unusual region from AWS_DEFAULT_REGION", prof("a", g.keys()),
                 env={"AWS_DEFAULT_REGION": "bad/region"})
        self.add("region", "region from the credentials file and env",
                 prof("a", g.keys()), cred("a", {"region": "eu-west-2"}),
                 env={"AWS_DEFAULT_REGION": "eu-south-1"})
        self.add("region", "region on the role profile and on the source",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b", "region": "us-west-1"}),
                      prof("b", {**g.keys(), "region": "eu-central-1"})))

    # -- sts_regional_endpoints -----------------------------------------------------------------
    def regional(self):
        g = self.g
        values = ["regional", "legacy", "Legacy", "LEGACY", "global", "", " legacy", "true"]
        for value in values:
            for region in ["us-east-1", "ap-east-1"]:
                self.add("sts_regional", f"profile sts_regional_endpoints={value!r} in {region}",
                         prof("a", {**g.keys(), "region": region,
                                    "sts_regional_endpoints": value}))
        for value in ["legacy", "regional", "Regional", ""]:
            self.add("sts_regional", f"env AWS_STS_REGIONAL_ENDPOINTS={value!r} over profile legacy",
                     prof("a", {**g.keys(), "region": "eu-west-1",
                                "sts_regional_endpoints": "legacy"}),
                     env={"AWS_STS_REGIONAL_ENDPOINTS": value})
        for region in ["aws-global", "cn-north-1", "us-gov-west-1", None, "us-west-2"]:
            vals = {**g.keys(), "sts_regional_endpoints": "legacy"}
            if region:
                vals["region"] = region
            self.add("sts_regional", f"legacy in {region}", prof("a", vals))
        self.add("sts_regional", "legacy with FIPS", prof("a", {
            **g.keys(), "region": "us-east-1", "sts_regional_endpoints": "legacy",
            "use_fips_endpoint": "true"}))
        self.add("sts_regional", "legacy with endpoint_url", prof("a", {
            **g.keys(), "region": "us-east-1", "sts_regional_endpoints": "legacy",
            "endpoint_url": "http://localhost:4566"}))
        self.add("sts_regional", "legacy on the source profile only",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "region": "us-east-1"}),
                      prof("b", {**g.keys(), "sts_regional_endpoints": "legacy"})))
        self.add("sts_regional", "invalid value on the source profile only",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "region": "us-east-1"}),
                      prof("b", {**g.keys(), "sts_regional_endpoints": "bogus"})))

    # -- FIPS / dual-stack / partitions ---------------------------------------------------------
    def variants(self):
        g = self.g
        regions = ([g.pick(REGIONS["aws"]), "us-east-1", "ca-central-1"] + REGIONS["aws-cn"]
                   + REGIONS["aws-us-gov"] + REGIONS["aws-iso"][:1] + REGIONS["aws-iso-b"][:1]
                   + REGIONS["aws-iso-e"] + REGIONS["aws-iso-f"][:1] + REGIONS["aws-eusc"]
                   + ["aws-global", "aws-us-gov-global", "xx-unknown-1", "us-gov-unknown-9"])
        for region in regions:
            for fips, dual in [(None, None), ("true", None), (None, "true"), ("true", "true")]:
                vals = {**g.keys(), "region": region}
                if fips:
                    vals["use_fips_endpoint"] = fips
                if dual:
                    vals["use_dualstack_endpoint"] = dual
                self.add("partition", f"{region} fips={fips} dualstack={dual}", prof("a", vals))
        for value in ["TRUE", "True", "1", "yes", "false", ""]:
            self.add("partition", f"AWS_USE_FIPS_ENDPOINT={value!r}",
                     prof("a", {**g.keys(), "region": "us-east-2"}),
                     env={"AWS_USE_FIPS_ENDPOINT": value})
        self.add("partition", "AWS_USE_FIPS_ENDPOINT=false over profile true",
                 prof("a", {**g.keys(), "region": "us-east-2", "use_fips_endpoint": "true"}),
                 env={"AWS_USE_FIPS_ENDPOINT": "false"})
        self.add("partition", "AWS_USE_DUALSTACK_ENDPOINT=true",
                 prof("a", {**g.keys(), "region": "eu-west-1"}),
                 env={"AWS_USE_DUALSTACK_ENDPOINT": "true"})
        self.add("partition", "AWS_USE_DUALSTACK_ENDPOINT=true, FIPS from the profile",
                 prof("a", {**g.keys(), "region": "us-gov-east-1", "use_fips_endpoint": "true"}),
                 env={"AWS_USE_DUALSTACK_ENDPOINT": "true"})
        self.add("partition", "FIPS without a region", prof("a", {**g.keys(),
                                                                 "use_fips_endpoint": "true"}))
        self.add("partition", "dual-stack without a region",
                 prof("a", {**g.keys(), "use_dualstack_endpoint": "true"}))
        self.add("partition", "use_fips_endpoint on the source profile only",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "region": "us-east-1"}),
                      prof("b", {**g.keys(), "use_fips_endpoint": "true"})))
        self.add("partition", "FIPS with endpoint_url (endpoint_url wins)",
                 prof("a", {**g.keys(), "region": "us-east-1", "use_fips_endpoint": "true",
                            "endpoint_url": "https://custom.example"}))
        self.add("partition", "legacy pseudo-region fips-us-gov-west-1",
                 prof("a", {**g.keys(), "region": "fips-us-gov-west-1"}))
        self.add("partition", "legacy pseudo-region us-east-1-fips",
                 prof("a", {**g.keys(), "region": "us-east-1-fips"}))

    # -- endpoint_url -------------------------------------------------------------------------
    def endpoints(self):
        g = self.g
        urls = ["http://localhost:4566", "http://localhost:4566/", "https://sts.example:8443/",
                "https://proxy.example/sts", "https://proxy.example/sts/", "http://[::1]:4566",
                "http://127.0.0.1:5000", "ftp://files.example", "https://user@host.example",
                "not a url", "https://", "localhost:4566", "HTTPS://UPPER.EXAMPLE",
                "https://host.example/?x=1", "https://host.example:443"]
        for url in urls:
            self.add("endpoint", f"profile endpoint_url {url!r}",
                     prof("a", {**g.keys(), "region": "eu-west-1", "endpoint_url": url}),
                     tags={"endpoint-url"})
        envs = [
            {"AWS_ENDPOINT_URL": "http://global.example"},
            {"AWS_ENDPOINT_URL_STS": "http://sts-only.example"},
            {"AWS_ENDPOINT_URL": "http://global.example",
             "AWS_ENDPOINT_URL_STS": "http://sts-only.example"},
            {"AWS_ENDPOINT_URL_STS": ""},
            {"AWS_ENDPOINT_URL": "http://global.example", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS":
             "true"},
            {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"},
            {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "1"},
            {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
            {"AWS_ENDPOINT_URL_IAM": "http://iam-only.example"},
            {"AWS_ENDPOINT_URL_STS": "not a url"},
        ]
        for env in envs:
            for with_profile in (True, False):
                vals = {**g.keys(), "region": "us-west-2"}
                if with_profile:
                    vals["endpoint_url"] = "http://profile.example"
                self.add("endpoint", f"env {env} profile endpoint_url={with_profile}",
                         prof("a", vals), env=env, tags={"endpoint-url"})
        for value in ["true", "TRUE", "True", "1", "yes", "false", ""]:
            self.add("endpoint", f"profile ignore_configured_endpoint_urls={value!r}",
                     prof("a", {**g.keys(), "region": "us-west-2",
                                "endpoint_url": "http://profile.example",
                                "ignore_configured_endpoint_urls": value}),
                     env={"AWS_ENDPOINT_URL": "http://global.example"}, tags={"endpoint-url"})
        self.add("endpoint", "env ignore=false over profile ignore=true",
                 prof("a", {**g.keys(), "region": "us-west-2",
                            "endpoint_url": "http://profile.example",
                            "ignore_configured_endpoint_urls": "true"}),
                 env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, tags={"endpoint-url"})
        self.add("endpoint", "endpoint_url on the source profile only (not used)",
                 join(prof("a", {"role_arn": g.role(), "source_profile": "b",
                                 "region": "us-west-2"}),
                      prof("b", {**g.keys(), "endpoint_url": "http://source.example"})),
                 tags={"endpoint-url"})
        self.add("endpoint", "endpoint_url without a region (signing region)",
                 prof("a", {**g.keys(), "endpoint_url": "http://localhost:4566"}),
                 tags={"endpoint-url"})
        self.add("endpoint", "endpoint_url with aws-global",
                 prof("a", {**g.keys(), "region": "aws-global",
                            "endpoint_url": "http://localhost:4566"}), tags={"endpoint-url"})

    # -- random mixtures ----------------------------------------------------------------------
    def mixtures(self, count: int):
        g = self.g
        keys_pool = ["region", "mfa_serial", "external_id", "role_session_name",
                     "duration_seconds", "sts_regional_endpoints", "use_fips_endpoint",
                     "use_dualstack_endpoint", "endpoint_url", "output", "cli_pager"]
        header_styles = ["profile {n}", "profile  {n}", "profile \"{n}\"", "profile\t{n}"]
        for i in range(count):
            n = g.rng.randint(2, 7)
            names = [f"m{i}x{j}" for j in range(n)]
            if g.rng.random() < 0.3:
                names[0] = "default"
            config_parts, creds_parts = [], []
            for j, name in enumerate(names):
                vals = {}
                kind = g.rng.random()
                if kind < 0.45 and j > 0:
                    vals["role_arn"] = g.role()
                    vals["source_profile"] = g.pick(names)
                if kind >= 0.3 or j == 0:
                    keys = g.keys()
                    if g.rng.random() < 0.5:
                        creds_parts.append(cred(name, keys))
                    else:
                        vals.update(keys)
                for key in g.rng.sample(keys_pool, g.rng.randint(0, 3)):
                    vals[key] = {
                        "region": lambda: g.pick(ALL_REGIONS),
                        "mfa_serial": lambda: g.mfa(),
                        "external_id": lambda: "ext-" + str(g.rng.randrange(1000)),
                        "role_session_name": lambda: "sess" + str(g.rng.randrange(1000)),
                        "duration_seconds": lambda: g.pick(["900", "3600", "43200"]),
                        "sts_regional_endpoints": lambda: g.pick(["regional", "legacy"]),
                        "use_fips_endpoint": lambda: g.pick(["true", "false"]),
                        "use_dualstack_endpoint": lambda: g.pick(["true", "false"]),
                        "endpoint_url": lambda: g.pick(["http://localhost:4566",
                                                        "https://e.example/"]),
                        "output": lambda: "json",
                        "cli_pager": lambda: "",
                    }[key]()
                header = ("default" if name == "default"
                          else g.pick(header_styles).format(n=name))
                config_parts.append(section(header, vals, sep=g.pick([" = ", "=", " =  "])))
            g.rng.shuffle(config_parts)
            env = {}
            r = g.rng.random()
            if r < 0.15:
                env["AWS_DEFAULT_REGION"] = g.pick(ALL_REGIONS)
            elif r < 0.25:
                env["AWS_USE_FIPS_ENDPOINT"] = "true"
            elif r < 0.3:
                env["AWS_STS_REGIONAL_ENDPOINTS"] = "legacy"
            text = join(*config_parts)
            if g.rng.random() < 0.15:
                text = text.replace("\n", "\r\n")
            if g.rng.random() < 0.2:
                text = "# generated\n" + text.replace("\n[", "\n; --\n[")
            self.add("mixture", f"random mixture of {n} profiles", text,
                     join(*creds_parts) if creds_parts else None, env=env)


def generate(seed: int = DEFAULT_SEED, mixtures: int = 60) -> list[Case]:
    corpus = Corpus(seed)
    corpus.headers()
    corpus.whitespace()
    corpus.continuation()
    corpus.default_section()
    corpus.sso()
    corpus.services()
    corpus.duplicates()
    corpus.encoding()
    corpus.merge()
    corpus.static_and_role()
    corpus.chains()
    corpus.loops()
    corpus.empty()
    corpus.paths()
    corpus.regions()
    corpus.regional()
    corpus.variants()
    corpus.endpoints()
    corpus.mixtures(mixtures)
    return corpus.cases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--write", metavar="DIR")
    args = parser.parse_args(argv)
    cases = generate(args.seed)
    if args.write:
        for case in cases:
            directory, env = materialize(case, args.write)
            with open(os.path.join(directory, "env.json"), "w", encoding="utf-8") as handle:
                json.dump({"env": env, "names": case.names, "title": case.title,
                           "tags": sorted(case.tags)}, handle, indent=1)
    if args.list or not args.write:
        for case in cases:
            print(f"{case.id}\t{case.title}")
        print(f"{len(cases)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
