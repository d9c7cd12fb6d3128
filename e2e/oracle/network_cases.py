#!/usr/bin/env python3
"""Proxy and CA-bundle cases for the network oracle, and botocore's answers to them.

A *world* is one environment (proxy variables, NO_PROXY, AWS_CA_BUNDLE, …) with a config and a
credentials file; a *case* is one question asked in it: "a request to URL, with PROFILE (or
none) as the session's profile: which proxy, which proxy credentials, which CA bundle?".
`generate()` returns the worlds (seeded, deterministic); `materialize()` writes one under a
root and returns its directory and complete environment.

Values may use ``{dir}`` (the world's directory) and ``{home}`` (``{dir}/home``).
AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE always point into the world's directory, and
HOME is the world's own, so nothing outside it is read.

botocore's side (``--botocore``, one JSON object a line on stdin: {"id", "env", "cwd",
"cases": [[URL, PROFILE|null], ...], "reuse": bool}) answers through botocore's own objects,
nothing re-implemented:

* a ``botocore.session.Session(profile=PROFILE)`` (a new one per world, except that worlds
  without files or profiles share one: see ``reusable``) creates a real ``sts`` client with
  ``endpoint_url=URL`` (explicit fake keys and region, so no credential or region lookup runs);
  its endpoint's ``URLLib3Session`` holds the proxies botocore took from the environment
  (``botocore.utils.get_environ_proxies(URL)``: urllib's ``getproxies_environment`` and
  ``proxy_bypass_environment``) and the ``verify`` value it will use;
* the proxy: ``ProxyConfiguration.proxy_url_for(URL)`` (botocore's fix-up of a URL without
  scheme), then the very urllib3 ``ProxyManager`` and connection pool ``send()`` would use
  (``_get_connection_manager`` / ``connection_from_url``): the pool's ``proxy`` (host as
  urllib3 parsed and normalised it, port defaulted by scheme) and ``proxy_headers`` (the
  ``Proxy-Authorization`` header ``proxy_headers_for`` built). Any exception on that path means
  botocore cannot use the proxy (reported as ``proxy_error``), as does a proxy without a host;
* the CA bundle: the client's ``verify`` (True means the default trust store: null), beside
  ``session.get_config_variable('ca_bundle')``; for an empty AWS_CA_BUNDLE, also what botocore
  would use were the variable unset (``ca_bundle_if_unset``).

urllib and botocore read ``os.environ`` itself, when asked, so each world swaps ``os.environ``
wholesale (same variables, same order: urllib's first pass lets the later of two spellings win)
before any Session or client is created. The differential test checks on a sample (shared
Session included) that this answers exactly as a fresh process started with only the world's
environment (``--botocore --here``).

    python3 network_cases.py --list           # one line a world
"""
from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import random
import sys
import traceback
from dataclasses import dataclass, field

DEFAULT_SEED = 20240611

URL_STS = "https://sts.amazonaws.com/"
URL_REGIONAL = "https://sts.eu-west-1.amazonaws.com"
URL_LOOPBACK = "http://127.0.0.1:5000/"
URL_LOCALSTACK = "http://localhost:4566"
URL_ODD = "https://STS.Example.COM:8443/x"
URL_V6 = "http://[::1]:5000/"
URLS = [URL_STS, URL_REGIONAL, URL_LOOPBACK, URL_LOCALSTACK, URL_ODD, URL_V6]

# Distinct proxies, so a result names the variable it came from.
P_UPPER_HTTPS = "http://upper-https.proxy:3128"
P_LOWER_HTTPS = "http://lower-https.proxy:3129"
P_UPPER_HTTP = "http://upper-http.proxy:8080"
P_LOWER_HTTP = "http://lower-http.proxy:8081"
P_OTHER = "http://other.proxy:9000"
P_PLAIN = "http://proxy.corp:3128"


@dataclass
class World:
    id: str
    category: str
    title: str
    env: dict[str, str] = field(default_factory=dict)
    config: str = ""
    credentials: str = ""
    cases: list[tuple[str, str | None]] = field(default_factory=list)  # (URL, PROFILE)
    tags: set[str] = field(default_factory=set)


def _substitute(text: str, directory: str) -> str:
    return text.replace("{dir}", directory).replace("{home}", os.path.join(directory, "home"))


def materialize(world: World, root: str) -> tuple[str, dict[str, str]]:
    """Writes `world` under `root`; returns (its directory, its complete environment)."""
    directory = os.path.join(root, world.id)
    os.makedirs(os.path.join(directory, "home"), exist_ok=True)
    for name, content in (("config", world.config), ("credentials", world.credentials)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            handle.write(_substitute(content, directory))
    env = {
        "HOME": os.path.join(directory, "home"),
        "AWS_CONFIG_FILE": os.path.join(directory, "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(directory, "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for key, value in world.env.items():  # in the world's order: urllib's passes depend on it
        env.pop(key, None)
        env[key] = _substitute(value, directory)
    return directory, env


# --- the corpus --------------------------------------------------------------------------------
class _Builder:
    def __init__(self):
        self.worlds: list[World] = []

    def add(self, category, title, env=None, cases=None, config="", credentials="", tags=()):
        world = World(f"{len(self.worlds):03d}-{category}", category, title, dict(env or {}),
                      config, credentials, list(cases or []), set(tags))
        self.worlds.append(world)
        return world


def _proxy_variables(b: _Builder) -> None:
    """Which of HTTPS_PROXY / https_proxy / HTTP_PROXY / http_proxy applies: every combination of
    absent, empty and set, for an https URL (even worlds) or an http one (odd worlds): every
    combination of the two https variables meets an https URL 4 or 5 times, next to different
    http variables."""
    names = [("HTTPS_PROXY", P_UPPER_HTTPS), ("https_proxy", P_LOWER_HTTPS),
             ("HTTP_PROXY", P_UPPER_HTTP), ("http_proxy", P_LOWER_HTTP)]
    for n, states in enumerate(itertools.product(("absent", "empty", "set"), repeat=4)):
        env = {}
        for (name, value), state in zip(names, states):
            if state != "absent":
                env[name] = value if state == "set" else ""
        shown = " ".join(f"{n}={'' if s == 'empty' else 'x'}" for (n, _), s in zip(names, states)
                         if s != "absent") or "(none)"
        b.add("variables", f"proxy variables: {shown}", env,
              [(URL_STS if n % 2 == 0 else URL_LOOPBACK, None)])
    # Lower-case empty after upper-case set, the other order too (os.environ order matters only
    # within one pass; the lower-case pass always comes last).
    for env in ({"https_proxy": "", "HTTPS_PROXY": P_UPPER_HTTPS},
                {"http_proxy": "", "HTTP_PROXY": P_UPPER_HTTP, "HTTPS_PROXY": P_UPPER_HTTPS}):
        b.add("variables", f"lower-case empty first: {env}", env,
              [(URL_STS, None), (URL_LOOPBACK, None)])


def _variable_names(b: _Builder) -> None:
    """Mixed-case names: any case counts in the first pass, a lower-case `_proxy` suffix in the
    second; the later of two first-pass names wins; ALL_PROXY is never used; CGI drops
    HTTP_PROXY."""
    sets = [
        {"Https_Proxy": P_OTHER},
        {"https_PROXY": P_OTHER},
        {"HTTPS_proxy": P_OTHER},
        {"hTTPs_proxy": P_OTHER},
        {"HTTPS_PROXY": P_UPPER_HTTPS, "Https_Proxy": P_OTHER},
        {"Https_Proxy": P_OTHER, "HTTPS_PROXY": P_UPPER_HTTPS},
        {"HTTPS_PROXY": P_UPPER_HTTPS, "HTTPS_proxy": ""},
        {"HTTPS_PROXY": P_UPPER_HTTPS, "HTTPS_proxy": P_OTHER},
        {"HTTPS_proxy": P_OTHER, "https_proxy": P_LOWER_HTTPS},
        {"https_proxy": P_LOWER_HTTPS, "HTTPS_proxy": P_OTHER},
        {"https_proxy": "", "Https_proxy": P_OTHER},
        {"Https_proxy": P_OTHER, "https_proxy": ""},
        {"HTTPS_PROXY": "", "Https_Proxy": P_OTHER},
        {"Http_Proxy": P_OTHER, "HTTP_PROXY": P_UPPER_HTTP},
        {"HTTP_PROXY": P_UPPER_HTTP, "Http_proxy": P_OTHER},
        {"ALL_PROXY": P_OTHER},
        {"all_proxy": P_OTHER, "HTTP_PROXY": P_UPPER_HTTP},
        {"FTP_PROXY": P_OTHER, "ftp_proxy": P_OTHER},
        {"HTTPSPROXY": P_OTHER, "HTTPS-PROXY": P_OTHER, "_proxy": P_OTHER},
        {"REQUEST_METHOD": "GET", "HTTP_PROXY": P_UPPER_HTTP},
        {"REQUEST_METHOD": "GET", "HTTP_PROXY": P_UPPER_HTTP, "http_proxy": P_LOWER_HTTP},
        {"REQUEST_METHOD": "", "HTTP_PROXY": P_UPPER_HTTP, "HTTPS_PROXY": P_UPPER_HTTPS},
        {"HTTP_PROXY": P_UPPER_HTTP, "REQUEST_METHOD": "POST", "Http_Proxy": P_OTHER},
        {"REQUEST_METHOD": "GET", "Http_proxy": P_OTHER},
        {"request_method": "GET", "HTTP_PROXY": P_UPPER_HTTP},
    ]
    for env in sets:
        # An https URL when an https (or all_proxy) variable is among them, an http one when
        # anything else is.
        lower = [name.lower() for name in env]
        urls = ([URL_STS] if any(n.startswith(("https", "all")) for n in lower) else []) + (
            [URL_LOCALSTACK] if any(not n.startswith("https") for n in lower) else [])
        b.add("names", f"variable names {env}", env, [(url, None) for url in urls])


PROXY_FORMS = [
    # scheme, //, port
    "proxy.corp:3128", "http://proxy.corp:3128", "//proxy.corp:3128", "proxy.corp",
    "http://proxy.corp", "//proxy.corp", "http://proxy.corp:3128/", "http://proxy.corp:3128/p?q=1",
    "http://proxy.corp:3128#frag", "HTTP://proxy.corp:3128", "Http://proxy.corp:3128",
    "http://Proxy.Corp:8080", "http://10.0.0.5:3128", "10.0.0.5:8080", "http://[::1]:3128",
    "[fd00::1]:3128", "http://[fd00::1]", "http://proxy.corp:", "proxy.corp:",
    "http://proxy.corp:0",
    "http://proxy.corp:1", "http://proxy.corp:65535", "http://proxy.corp:65536",
    "http://proxy.corp:99999", "http://proxy.corp:abc", "http://proxy.corp:+80",
    "http://proxy.corp:0080", "http://proxy.corp:-1", "http://proxy.corp:80:81",
    # schemes awsmfa refuses
    "https://proxy.corp:3128", "HTTPS://proxy.corp:3128", "https://proxy.corp",
    "https://user:pass@proxy.corp:3128", "socks5://proxy.corp:1080", "socks5h://proxy.corp:1080",
    "socks4://proxy.corp:1080", "SOCKS5://proxy.corp:1080", "ftp://proxy.corp:21",
    "http:proxy.corp:3128", "http:/proxy.corp:3128",
    # credentials
    "http://user:pass@proxy.corp:3128", "user:pass@proxy.corp:3128", "//user:pass@proxy.corp:3128",
    "http://us%40er:p%3Ass%2Fw%25d@proxy.corp:3128", "http://user:p@ss@proxy.corp:3128",
    "http://user@proxy.corp:3128", "http://user:@proxy.corp:3128", "http://:pass@proxy.corp:3128",
    "http://:@proxy.corp:3128", "http://@proxy.corp:3128", "http://user:pa%zzss@proxy.corp:3128",
    "http://user:pa%4@proxy.corp:3128", "http://us+er:pa+ss@proxy.corp:3128",
    "http://user:pa%20ss@proxy.corp:3128", "http://user:pa:ss@proxy.corp:3128",
    "http://user:pass%C3%A9@proxy.corp:3128", "http://us%C3%A9r:pass@proxy.corp:3128",
    "http://user:pass%FF@proxy.corp:3128", "http://user:pa/ss@proxy.corp:3128",
    "http://user:pa#ss@proxy.corp:3128", "http://user:pa?ss@proxy.corp:3128",
    "http://user:pass@proxy.corp", "http://USER:PASS@PROXY.CORP:3128",
    # hosts
    "http://pro xy:3128", "http://prøxy.corp:3128", "http://-proxy:3128",
    "http://proxy_1.corp:3128",
    "http://proxy.corp.:3128", "http://:3128", "http://", "//", ":3128", " http://proxy.corp:3128",
    "http://proxy.corp:3128 ", "\thttp://proxy.corp:3128", "http://proxy.corp:3128\n",
    "http://[::1", "http://[zz::1]:3128", "http://proxy..corp:3128", "http://.proxy.corp:3128",
    "http://999.0.0.1:3128", "http://proxy.corp%2Eevil:3128",
]


def _proxy_forms(b: _Builder) -> None:
    """Proxy URL spellings, each as HTTPS_PROXY and HTTP_PROXY."""
    for n, value in enumerate(PROXY_FORMS):
        # Every spelling for an https URL (a CONNECT tunnel), every third also for an http one
        # (botocore forwards those through a pool to the proxy itself).
        urls = [URL_STS, URL_LOCALSTACK] if n % 3 == 0 else [URL_STS]
        b.add("forms", f"proxy URL {value!r}", {"HTTPS_PROXY": value, "HTTP_PROXY": value},
              [(url, None) for url in urls])
    for value in ("http://user:pass@proxy.corp:3128", "proxy.corp", "socks5://proxy.corp:1080"):
        b.add("forms", f"lower-case proxy URL {value!r}",
              {"https_proxy": value, "http_proxy": value},
              [(URL_ODD, None), (URL_LOOPBACK, None)])


_AWS = [URL_STS, URL_REGIONAL, URL_ODD]
_LOCAL = [URL_LOCALSTACK, URL_LOOPBACK, URL_V6]
_ODD = [URL_ODD, URL_STS]
# NO_PROXY values, each with the URLs it is about (and one it is not).
NO_PROXY_VALUES = [
    (_AWS, ["sts.amazonaws.com", "amazonaws.com", ".amazonaws.com", "..amazonaws.com",
            "*.amazonaws.com", "aws.com", "zonaws.com", "AMAZONAWS.COM", "Sts.Amazonaws.Com",
            "amazonaws.com.", "sts.amazonaws.com:443", "sts.eu-west-1.amazonaws.com",
            "eu-west-1.amazonaws.com", "\x0bamazonaws.com", "com"]),
    (_LOCAL[:2], ["127.0.0.1", "127.0.0.1:5000", "127.0.0.1:5001", "0.0.1", ".0.0.1",
                  "127.0.0.0/8", "127.*", "localhost", "localhost:4566", "LOCALHOST", ".localhost",
                  "host", "\tlocalhost\t", "localhost\n", "\nlocalhost", "\xa0localhost",
                  "localhost\xa0", "\x1flocalhost", "localhost:"]),
    (_LOCAL, ["[::1]", "::1", "[::1]:5000", "::1]:5000", "1]:5000", "5000", ":5000"]),
    (_ODD, ["example.com", "example.com:8443", "sts.example.com:8443", ".EXAMPLE.com",
            "sts.example.com:443", "localhost\r\n,example.com", "\u3000example.com"]),
    (URLS, ["*", " * ", "*,localhost", "localhost,*", ",", " , ,",
            " localhost , amazonaws.com ", "localhost;amazonaws.com", "localhost amazonaws.com",
            "localhost,,example.com,", ".", ".."]),
]


def _no_proxy(b: _Builder) -> None:
    """NO_PROXY entries against every URL, with both proxies set."""
    base = {"HTTPS_PROXY": P_UPPER_HTTPS, "HTTP_PROXY": P_UPPER_HTTP}
    for urls, values in NO_PROXY_VALUES:
        for n, value in enumerate(values):
            # A list for every host: three of the URLs, in turn.
            chosen = URLS[n % 2::2] if urls is URLS else urls
            b.add("no_proxy", f"NO_PROXY={value!r}", {**base, "NO_PROXY": value},
                  [(url, None) for url in chosen])
    # NO_PROXY empty: the variable counts as unset.
    b.add("no_proxy", "NO_PROXY=''", {**base, "NO_PROXY": ""}, [(url, None) for url in URLS])
    variants = [
        {"NO_PROXY": "amazonaws.com", "no_proxy": ""},
        {"no_proxy": "", "NO_PROXY": "amazonaws.com"},
        {"NO_PROXY": "", "no_proxy": "amazonaws.com"},
        {"NO_PROXY": "amazonaws.com", "no_proxy": "localhost"},
        {"no_proxy": "localhost", "NO_PROXY": "amazonaws.com"},
        {"No_Proxy": "amazonaws.com"},
        {"No_Proxy": "amazonaws.com", "NO_PROXY": "localhost"},
        {"NO_PROXY": "localhost", "No_Proxy": "amazonaws.com"},
        {"no_PROXY": "*"},
        {"NO_proxy": "localhost", "no_proxy": "amazonaws.com"},
        {"NO_PROXY": "*", "no_proxy": ""},
    ]
    for extra in variants:
        b.add("no_proxy_vars", f"NO_PROXY variables {extra}", {**base, **extra},
              [(URL_STS, None), (URL_LOCALSTACK, None), (URL_LOOPBACK, None)])
    # NO_PROXY with only lower-case proxies, and with a proxy for one scheme only.
    b.add("no_proxy_vars", "lower-case proxies, NO_PROXY=localhost",
          {"https_proxy": P_LOWER_HTTPS, "http_proxy": P_LOWER_HTTP, "NO_PROXY": "localhost"},
          [(url, None) for url in URLS])
    b.add("no_proxy_vars", "http proxy only, no_proxy=127.0.0.1",
          {"http_proxy": P_LOWER_HTTP, "no_proxy": "127.0.0.1"}, [(url, None) for url in URLS])


def _random(b: _Builder, rng: random.Random, count: int = 16) -> None:
    """Seeded mixtures of everything above."""
    names = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "Https_Proxy", "NO_PROXY",
             "no_proxy", "REQUEST_METHOD"]
    proxies = ["", P_PLAIN, P_OTHER, "proxy.corp:8888", "//proxy.corp:3128",
               "http://u%3Ax:p%40ss@proxy.corp:3128", "http://proxy.corp", "https://proxy.corp:443",
               "socks5://proxy.corp:1080", "http://user@proxy.corp:3128"]
    no_entries = ["amazonaws.com", ".amazonaws.com", "localhost", "127.0.0.1", "localhost:4566",
                  "example.com", " sts.example.com:8443 ", "*", "", "EU-WEST-1.amazonaws.com",
                  "127.0.0.1:5000", "[::1]"]
    for n in range(count):
        env = {}
        for name in rng.sample(names, rng.randint(1, 5)):
            if name.lower() == "no_proxy":
                parts = rng.sample(no_entries, rng.randint(1, 3))
                env[name] = rng.choice([",", ", ", " ,"]).join(parts)
            elif name == "REQUEST_METHOD":
                env[name] = "GET"
            else:
                env[name] = rng.choice(proxies)
        b.add("random", f"random mixture #{n}", env,
              [(url, None) for url in rng.sample(URLS, 2)])


KEYS = "aws_access_key_id = AKIAORACLE{n}\naws_secret_access_key = oracle-secret-{n}\n"


def _config(sections: dict[str, str]) -> str:
    """sections: header -> extra lines; every profile gets static keys."""
    out = []
    for n, (header, extra) in enumerate(sections.items()):
        out.append(f"[{header}]\n" + KEYS.format(n=n) + extra + "\n")
    return "\n".join(out)


CA_PROFILES = ["default", "a", "b", "chained", "chained_default", "missing"]


def _ca_bundle(b: _Builder) -> None:
    """AWS_CA_BUNDLE over the asked-for profile's ca_bundle; never along source_profile or from
    [default] for another profile; the credentials file counts as botocore merges it."""
    role = "role_arn = arn:aws:iam::123456789012:role/oracle\n"
    base_config = _config({
        "default": "ca_bundle = {dir}/default-ca.pem\n",
        "profile a": "ca_bundle = {dir}/a-ca.pem\n",
        "profile b": "region = eu-west-1\n",
        "profile chained": role + "source_profile = a\n",
        "profile chained_default": role + "source_profile = default\n",
    })
    every = [(URL_STS, p) for p in CA_PROFILES]
    some = [(URL_STS, p) for p in ("a", "b", "chained")]
    envs = [
        ("no AWS_CA_BUNDLE", {}),
        ("AWS_CA_BUNDLE set", {"AWS_CA_BUNDLE": "{dir}/env-ca.pem"}),
        ("AWS_CA_BUNDLE empty", {"AWS_CA_BUNDLE": ""}),
        ("AWS_CA_BUNDLE a space", {"AWS_CA_BUNDLE": " "}),
        ("AWS_CA_BUNDLE relative", {"AWS_CA_BUNDLE": "certs/ca.pem"}),
        ("AWS_CA_BUNDLE with spaces around", {"AWS_CA_BUNDLE": "  /etc/x y/ca.pem  "}),
        ("aws_ca_bundle (lower-case name)", {"aws_ca_bundle": "{dir}/lower-ca.pem"}),
        ("AWS_PROFILE=a", {"AWS_PROFILE": "a"}),
        ("AWS_DEFAULT_PROFILE=a", {"AWS_DEFAULT_PROFILE": "a"}),
        ("REQUESTS_CA_BUNDLE", {"REQUESTS_CA_BUNDLE": "{dir}/requests-ca.pem"}),
        ("REQUESTS_CA_BUNDLE and AWS_CA_BUNDLE",
         {"REQUESTS_CA_BUNDLE": "{dir}/requests-ca.pem", "AWS_CA_BUNDLE": "{dir}/env-ca.pem"}),
        ("SSL_CERT_FILE / CURL_CA_BUNDLE", {"SSL_CERT_FILE": "{dir}/ssl.pem",
                                            "CURL_CA_BUNDLE": "{dir}/curl.pem"}),
        ("AWS_CA_BUNDLE empty, proxies set", {"AWS_CA_BUNDLE": "", "HTTPS_PROXY": P_PLAIN}),
    ]
    for n, (title, env) in enumerate(envs):
        b.add("ca_bundle", f"ca_bundle: {title}", env, every if n < 3 else some,
              config=base_config)

    # The file's spelling of the value and the key.
    spellings = [
        ("empty value", "ca_bundle =\n"),
        ("empty value, trailing spaces", "ca_bundle =   \n"),
        ("tilde", "ca_bundle = ~/ca.pem\n"),
        ("$HOME", "ca_bundle = $HOME/ca.pem\n"),
        ("double quotes", 'ca_bundle = "/quoted/ca.pem"\n'),
        ("inline ; comment", "ca_bundle = /x/ca.pem ; comment\n"),
        ("inline # comment", "ca_bundle = /x/ca.pem # comment\n"),
        ("surrounding spaces", "ca_bundle=   /spaced/ca.pem   \n"),
        ("tab separator", "ca_bundle\t=\t/tab/ca.pem\n"),
        ("spaces inside", "ca_bundle = /path with spaces/ca.pem\n"),
        ("relative", "ca_bundle = relative/ca.pem\n"),
        ("upper-case key", "CA_BUNDLE = /upper/ca.pem\n"),
        ("mixed-case key", "Ca_Bundle = /mixed/ca.pem\n"),
        ("colon separator", "ca_bundle: /colon/ca.pem\n"),
        ("twice (last wins)", "ca_bundle = /first/ca.pem\nca_bundle = /second/ca.pem\n"),
        ("non-ASCII path", "ca_bundle = /tmp/zertifikät/ca.pem\n"),
        ("Windows path", "ca_bundle = C:\\certs\\ca.pem\n"),
    ]
    for n, (title, line) in enumerate(spellings):
        config = _config({"profile a": line, "profile b": "", "default": ""})
        for env in ({}, {"AWS_CA_BUNDLE": ""}) if n < 3 else ({},):
            b.add("ca_spelling", f"ca_bundle spelled: {title}, env {env}", env,
                  [(URL_STS, "a"), (URL_STS, "b")], config=config)

    # The credentials file: botocore merges its profile sections over the config file's.
    b.add("ca_files", "ca_bundle only in the credentials file", {},
          [(URL_STS, "a"), (URL_STS, "default")],
          config="[profile a]\nregion = us-east-1\n",
          credentials="[a]\n" + KEYS.format(n=1) + "ca_bundle = {dir}/cred-ca.pem\n"
                      "[default]\n" + KEYS.format(n=2))
    b.add("ca_files", "ca_bundle in both files (credentials file wins)", {},
          [(URL_STS, "a")],
          config="[profile a]\nca_bundle = {dir}/config-ca.pem\n",
          credentials="[a]\n" + KEYS.format(n=1) + "ca_bundle = {dir}/cred-ca.pem\n")
    b.add("ca_files", "source_profile's ca_bundle never applies; own one does", {},
          [(URL_STS, "outer"), (URL_STS, "middle"), (URL_STS, "inner")],
          config=_config({"profile inner": "ca_bundle = {dir}/inner-ca.pem\n"})
          + "\n[profile middle]\n" + role + "source_profile = inner\n"
          + "\n[profile outer]\n" + role
          + "source_profile = middle\nca_bundle = {dir}/outer-ca.pem\n")
    b.add("ca_files", "source_profile with ca_bundle, AWS_CA_BUNDLE empty",
          {"AWS_CA_BUNDLE": ""}, [(URL_STS, "middle"), (URL_STS, "inner")],
          config=_config({"profile inner": "ca_bundle = {dir}/inner-ca.pem\n"})
          + "\n[profile middle]\n" + role + "source_profile = inner\n")
    b.add("ca_files", "[profile default] and [default] both with ca_bundle", {},
          [(URL_STS, "default")],
          config=_config({"default": "ca_bundle = /plain-default.pem\n",
                          "profile default": "ca_bundle = /profile-default.pem\n"}))


def generate(seed: int = DEFAULT_SEED) -> list[World]:
    b = _Builder()
    _proxy_variables(b)
    _variable_names(b)
    _proxy_forms(b)
    _no_proxy(b)
    _random(b, random.Random(seed))
    _ca_bundle(b)
    for world in b.worlds:
        if any(p is None for _, p in world.cases):
            # Without a profile awsmfa applies no ca_bundle, and botocore's session would fall
            # back to [default]: such worlds keep ca_bundle out of their files.
            assert "ca_bundle" not in (world.config + world.credentials).lower(), world.title
    return b.worlds


def case_count(worlds: list[World]) -> int:
    return sum(len(w.cases) for w in worlds)


# --- botocore's side ---------------------------------------------------------------------------
FAKE_KEY = "AKIAORACLENETWORK"
FAKE_SECRET = "oracle-network-secret"


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Sessions:
    """One botocore Session per profile and environment (a new one after every os.environ swap),
    all sharing one data loader: the loader only reads botocore's bundled JSON models."""

    loader = None
    shared: "_Sessions | None" = None

    def __init__(self):
        self.sessions = {}

    def session(self, profile):
        import botocore.session

        if profile not in self.sessions:
            session = botocore.session.Session(profile=profile)
            if _Sessions.loader is None:
                _Sessions.loader = session.get_component("data_loader")
            else:
                session.register_component("data_loader", _Sessions.loader)
            self.sessions[profile] = session
        return self.sessions[profile]

    def client(self, profile, url):
        session = self.session(profile)
        variable = session.get_config_variable("ca_bundle")
        client = session.create_client("sts", endpoint_url=url, region_name="us-east-1",
                                       aws_access_key_id=FAKE_KEY,
                                       aws_secret_access_key=FAKE_SECRET)
        return variable, client


def _verify_as_bundle(verify):
    return None if verify is True else verify


def answer(sessions: _Sessions, url: str, profile: str | None) -> dict:
    """What botocore does for a request to `url` with `profile`, in the current os.environ."""
    from urllib.parse import urlsplit

    import botocore.utils

    out: dict = {}
    try:
        variable, client = sessions.client(profile, url)
    except Exception as exc:  # profile not found, invalid endpoint, …
        return {"error": _error(exc)}
    http = client._endpoint.http_session
    out["ca_bundle_variable"] = variable
    out["ca_bundle"] = _verify_as_bundle(http._verify)
    if os.environ.get("AWS_CA_BUNDLE") == "":
        saved = os.environ.pop("AWS_CA_BUNDLE")
        try:
            unset = _Sessions().client(profile, url)[1]
            out["ca_bundle_if_unset"] = _verify_as_bundle(unset._endpoint.http_session._verify)
        finally:
            os.environ["AWS_CA_BUNDLE"] = saved
    config = http._proxy_config
    proxies = dict(config._proxies)
    out["proxies"] = proxies
    # The endpoint took its proxies from get_environ_proxies(endpoint_url); say so if not.
    assert proxies == botocore.utils.get_environ_proxies(url), (proxies, url)
    scheme = urlsplit(url).scheme
    out["proxy_raw"] = proxies.get(scheme)
    proxy_url = config.proxy_url_for(url)
    out["proxy_url"] = proxy_url
    out.update(proxy=None, proxy_user=None, proxy_password=False)
    if not proxy_url:
        return out
    try:
        manager = http._get_connection_manager(url, proxy_url)
        pool = manager.connection_from_url(url)
        proxy = pool.proxy
        if not proxy or not proxy.host:
            raise ValueError(f"no proxy host in {proxy_url!r}")
    except Exception as exc:
        out["proxy_error"] = _error(exc)
        return out
    out["proxy"] = f"{proxy.scheme}://{proxy.host}:{proxy.port}"
    header = (pool.proxy_headers or {}).get("Proxy-Authorization")
    if header:
        user, password = config._get_auth_from_url(proxy_url)
        decoded = base64.b64decode(header.split(" ", 1)[1]).decode("ascii")
        assert decoded == f"{user}:{password}", (decoded, user)
        out["proxy_user"] = user
        out["proxy_password"] = True
    return out


def reusable(world: World) -> bool:
    """Whether `world` may use the Session of another such world: no files (so the Session's
    cached config is the same empty one), no profile asked for or named by the environment.
    Everything else a Session reads from the environment it reads from os.environ when asked
    (AWS_CA_BUNDLE), and the proxies are taken when the client is created."""
    return (not world.config and not world.credentials
            and all(p is None for _, p in world.cases)
            and not any(k in world.env for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")))


def answer_world(env: dict, cwd: str, cases: list, swap: bool = True,
                 reuse: bool = False) -> list[dict]:
    saved, saved_cwd = dict(os.environ), os.getcwd()
    if swap:
        os.environ.clear()
        os.environ.update(env)
    os.chdir(cwd)
    try:
        results = []
        if reuse:
            _Sessions.shared = _Sessions.shared or _Sessions()
        sessions = _Sessions.shared if reuse else _Sessions()
        for url, profile in cases:
            try:
                results.append(answer(sessions, url, profile))
            except Exception:  # the oracle itself broke: never a silent pass
                results.append({"oracle_error": traceback.format_exc()})
        return results
    finally:
        os.chdir(saved_cwd)
        if swap:
            os.environ.clear()
            os.environ.update(saved)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--botocore", action="store_true")
    parser.add_argument("--here", action="store_true",
                        help="with --botocore: use this process's environment as it is")
    args = parser.parse_args(argv)
    if args.list:
        worlds = generate()
        for w in worlds:
            print(f"{w.id}\t{len(w.cases)}\t{w.title!r}")
        print(f"{len(worlds)} worlds, {case_count(worlds)} cases", file=sys.stderr)
        return 0
    if args.botocore:
        for line in sys.stdin:
            if not line.strip():
                continue
            item = json.loads(line)
            results = answer_world(item["env"], item["cwd"], item["cases"], swap=not args.here,
                                   reuse=item.get("reuse", False))
            print(json.dumps({"id": item["id"], "results": results}), flush=True)
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
