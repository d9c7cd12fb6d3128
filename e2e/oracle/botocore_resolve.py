#!/usr/bin/env python3
"""botocore as the oracle for `awsmfa __resolve`: the same JSON, from botocore's own code paths.

Given an environment (which names the config and credentials files through AWS_CONFIG_FILE,
AWS_SHARED_CREDENTIALS_FILE and HOME, exactly as the AWS CLI finds them), this prints what
botocore makes of every profile:

    {"profiles": [...], "results": {NAME: {...} | {"error": ...}}}

Nothing here re-implements botocore's rules. For each profile a fresh
``botocore.session.Session(profile=NAME)`` is made and asked, through its public or
component interfaces:

* profile list: ``session.available_profiles`` (config file first, then names only the
  credentials file has, as ``Session.full_config`` merges them);
* credentials: the session's own credential resolver (``get_component('credential_provider')``),
  whose AssumeRole calls go through real STS clients (so botocore's parameter validation
  runs) whose HTTP layer is replaced by a ``before-send`` handler that records each
  AssumeRole request (RoleArn, RoleSessionName, ExternalId, DurationSeconds, SerialNumber,
  the access key that signed it, the URL) and answers with fake temporary credentials;
* STS endpoint and signing region: a real ``sts`` client calls GetCallerIdentity; the
  ``before-send`` handler records the request URL and the credential scope of its
  Authorization header and answers with a fake identity;
* region: ``session.get_config_variable('region')`` (effective) and the same restricted to the
  config files (``methods=('config',)``): the profile's own region.

What botocore does that awsmfa has no counterpart for is recorded beside the compared fields
under "botocore" (per-hop SerialNumber, generated RoleSessionName, which provider supplied the
source keys, whether they carry a session token), so the differential test can tell an accepted
divergence from a bug.

`mfa_serial` is the one compared field botocore has no direct equivalent for: botocore sends each
role hop's own `mfa_serial` as that hop's SerialNumber and ignores `mfa_serial` on a profile
without `role_arn`, while awsmfa makes one GetSessionToken call with the nearest `mfa_serial` and
assumes every role from that session. The oracle therefore reports, as `mfa_serial`, the nearest
non-empty `mfa_serial` along botocore's own chain (asked-for profile first, source profile last),
read from botocore's merged profile map (``session.full_config``, credentials file over config
file): awsmfa's model applied to botocore's view of the files.

Isolation: botocore reads ``os.environ`` directly, so each case swaps ``os.environ`` wholesale
and builds new sessions; nothing touches the network (instance-metadata and container
providers are disabled, every HTTP request is answered by the handler), and
``credential_process`` is never run (the command is recorded instead).

Usage:
    botocore_resolve.py [--config PATH] [--credentials PATH] [--env-json FILE] [PROFILE...]
        one case; the environment is the current one, or FILE's JSON object, with
        AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE set from --config / --credentials.
    botocore_resolve.py --batch < cases.jsonl > results.jsonl
        one JSON object a line in: {"id": ..., "env": {...}, "profiles": [...] (optional,
        extra names to resolve besides every listed profile), "cwd": ... (optional)}; one a
        line out:
        {"id": ..., "result": {...}}.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import traceback
from urllib.parse import parse_qs

import botocore
import botocore.credentials
import botocore.exceptions
import botocore.session
from botocore.awsrequest import AWSResponse

FAKE_SECRET = "oracle-fake-secret"
ENDPOINT_PROBE_KEY = "AKIAORACLEENDPOINTPROBE"
HOP_KEY_PREFIX = "ASIAORACLEHOP"
MFA_CODE = "123456"

_GENERATED_SESSION_NAMES: set[str] = set()


def _install_patches() -> None:
    """Process-wide changes that keep the oracle offline and deterministic; none changes a rule."""
    # No network: the instance metadata service and container endpoint are ambient sources
    # awsmfa never reads; disabled, they find nothing (as on a laptop).
    botocore.credentials.InstanceMetadataProvider.load = lambda self: None
    botocore.credentials.ContainerProvider.load = lambda self: None

    # credential_process is never run: a recognisable fake stands for its output.
    def process_load(self):
        command = self._credential_process
        if command is None:
            return None
        return botocore.credentials.Credentials(
            "PROCESS:" + command, FAKE_SECRET, None, method=self.METHOD)

    botocore.credentials.ProcessProvider.load = process_load

    # Remember the RoleSessionNames botocore generates (botocore-session-<epoch>) so they are
    # reported as "not configured" rather than as a time-dependent value.
    original = botocore.credentials.BaseAssumeRoleCredentialFetcher._generate_assume_role_name

    def generate(self):
        original(self)
        _GENERATED_SESSION_NAMES.add(self._role_session_name)

    botocore.credentials.BaseAssumeRoleCredentialFetcher._generate_assume_role_name = generate


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body


_ASSUME_ROLE_XML = (
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
    "<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
    "<SessionToken>oracle-token-{n}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
    "</Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>"
    "<AssumedRoleId>AROAORACLE:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
    "<ResponseMetadata><RequestId>oracle</RequestId></ResponseMetadata></AssumeRoleResponse>")
_CALLER_IDENTITY_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/oracle</Arn>"
    "<UserId>AIDAORACLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>oracle</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>")

_SCOPE = re.compile(r"Credential=([^/,\s]*)/\d{8}/([^/]*)/([^/]*)/aws4_request")


class _Recorder:
    """The before-send handler: records every STS request and answers it without a network."""

    def __init__(self):
        self.assume_calls: list[dict] = []
        self.identity_calls: list[dict] = []

    def __call__(self, request, **kwargs):
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        fields = {k: v[0] for k, v in parse_qs(body or "", keep_blank_values=True).items()}
        auth = request.headers.get("Authorization", b"")
        if isinstance(auth, bytes):
            auth = auth.decode("utf-8", "replace")
        scope = _SCOPE.search(auth)
        seen = {
            "url": request.url,
            "signing_key": scope.group(1) if scope else None,
            "signing_region": scope.group(2) if scope else None,
            "signing_service": scope.group(3) if scope else None,
            "session_token": bool(request.headers.get("X-Amz-Security-Token")),
            "params": fields,
        }
        action = fields.get("Action")
        if action == "AssumeRole":
            self.assume_calls.append(seen)
            n = len(self.assume_calls)
            xml = _ASSUME_ROLE_XML.format(key=f"{HOP_KEY_PREFIX}{n}", secret=FAKE_SECRET, n=n)
        elif action == "GetCallerIdentity":
            self.identity_calls.append(seen)
            xml = _CALLER_IDENTITY_XML
        else:
            raise RuntimeError(f"oracle: unexpected STS action {action!r}")
        return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, _Raw(xml.encode()))


def _message(error: BaseException) -> str:
    text = str(error).strip().replace("\n", " ") or type(error).__name__
    return f"{type(error).__name__}: {text}"


_STS_SHAPES: dict = {}


def _sts_shapes() -> dict:
    """The STS API model's input members for AssumeRole and GetSessionToken (from botocore)."""
    if not _STS_SHAPES:
        model = botocore.session.Session().get_service_model("sts")
        for operation in ("AssumeRole", "GetSessionToken"):
            _STS_SHAPES[operation] = model.operation_model(operation).input_shape.members
    return _STS_SHAPES


def _model_violations(operation: str, params: dict) -> list[str]:
    """Values the STS model forbids (pattern, max) that botocore does not check client-side:
    botocore only validates minimum lengths and ranges, so these reach STS and are refused."""
    found = []
    members = _sts_shapes()[operation]
    for name, value in params.items():
        shape = members.get(name)
        if shape is None or value is None:
            continue
        meta = shape.metadata
        if shape.type_name == "integer":
            number = int(value)
            if "max" in meta and number > meta["max"]:
                found.append(f"{operation} {name}={number} is above the model's max {meta['max']}")
            continue
        if "max" in meta and len(value) > meta["max"]:
            found.append(f"{operation} {name} is {len(value)} characters, over the model's max "
                         f"{meta['max']}")
        # The model's patterns are Java/ECMAScript regular expressions: \w is ASCII there.
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value, re.ASCII):
            found.append(f"{operation} {name}={value!r} does not match the model's pattern "
                         f"{meta['pattern']}")
    return found


_SHARED: dict = {}


def _prepare() -> None:
    """Builds the shared parts once, in the process's own environment, before any case."""
    template = botocore.session.Session()
    _SHARED["events"] = template._original_handler
    _SHARED["loader"] = template.get_component("data_loader")
    _sts_shapes()


def _new_session(profile: str | None, recorder: _Recorder) -> botocore.session.Session:
    """A fresh session (nothing cached from an earlier case), with two shared, case-independent
    parts so that 500 cases take seconds rather than minutes: the event emitter holding
    botocore's builtin handlers (copied per session, as botocore copies it per client) and the
    data loader whose cache holds the bundled models, endpoints and partitions. Neither depends
    on the environment or the config files (the corpus never sets AWS_DATA_PATH)."""
    if not _SHARED:
        _prepare()
    session = botocore.session.Session(
        event_hooks=copy.copy(_SHARED["events"]), include_builtin_handlers=False,
        profile=profile)
    session.register_component("data_loader", _SHARED["loader"])
    session.register("before-send.sts", recorder)
    session.register("before-send.iam", _record_iam)
    return session


def _profile_map(session) -> dict:
    return session.full_config.get("profiles", {})


def _resolve_credentials(session, name: str, recorder: _Recorder) -> dict:
    """Runs botocore's credential chain for `name`; returns the compared and the extra fields."""
    resolver = session.get_component("credential_provider")
    assume = resolver.get_provider("assume-role")
    assume._prompter = lambda prompt: MFA_CODE
    role_profiles: list[str] = []
    sources: list[tuple[str, object]] = []
    original_assume = assume._load_creds_via_assume_role
    original_source = assume._resolve_credentials_from_profile

    def load_via_assume_role(profile_name):
        role_profiles.append(profile_name)
        return original_assume(profile_name)

    def from_profile(profile_name):
        credentials = original_source(profile_name)
        sources.append((profile_name, credentials))
        return credentials

    assume._load_creds_via_assume_role = load_via_assume_role
    assume._resolve_credentials_from_profile = from_profile

    credentials = resolver.load_credentials()
    if credentials is None:
        raise botocore.exceptions.NoCredentialsError()
    frozen = credentials.get_frozen_credentials()  # runs every AssumeRole, innermost first
    method = getattr(credentials, "method", None)

    if role_profiles:
        # The profile whose credentials started the chain: the last source that did not itself
        # go through AssumeRole.
        direct = [(p, c) for p, c in sources if getattr(c, "method", None) != "assume-role"]
        if direct:
            source_profile, source_credentials = direct[-1]
        else:  # credential_source: no source profile at all
            source_profile, source_credentials = role_profiles[-1], None
        if source_credentials is None:
            source_method = "credential_source"
            source_frozen = None
        else:
            source_method = getattr(source_credentials, "method", None)
            source_frozen = source_credentials.get_frozen_credentials()
        first_key = recorder.assume_calls[0]["signing_key"] if recorder.assume_calls else None
        access_key = source_frozen.access_key if source_frozen else first_key
        token = bool(source_frozen.token) if source_frozen else None
        secret = source_frozen.secret_key if source_frozen else FAKE_SECRET
    else:
        source_profile = name
        source_method = method
        access_key = frozen.access_key
        token = bool(frozen.token)
        secret = frozen.secret_key

    profiles = _profile_map(session)
    hops = []
    hop_profiles = list(reversed(role_profiles))  # first hop (nearest the source) first
    if len(hop_profiles) != len(recorder.assume_calls):
        raise RuntimeError(
            f"oracle: {len(hop_profiles)} role profiles but {len(recorder.assume_calls)} "
            "AssumeRole calls")
    for hop_profile, call in zip(hop_profiles, recorder.assume_calls):
        params = call["params"]
        session_name = params.get("RoleSessionName")
        generated = session_name in _GENERATED_SESSION_NAMES
        duration = params.get("DurationSeconds")
        hops.append({
            "profile": hop_profile,
            "role_arn": params.get("RoleArn"),
            "external_id": params.get("ExternalId"),
            "role_session_name": None if generated else session_name,
            "duration_seconds": int(duration) if duration is not None else None,
            "_serial_number": params.get("SerialNumber"),
            "_session_name_generated": generated,
            "_signing_key": call["signing_key"],
            "_url": call["url"],
            "_signing_region": call["signing_region"],
        })

    # awsmfa's MFA model on botocore's chain: nearest non-empty mfa_serial from the asked-for
    # profile towards the source, in botocore's merged profile map.
    chain = list(role_profiles) + [source_profile]
    mfa_serial = None
    for profile_name in chain:
        value = profiles.get(profile_name, {}).get("mfa_serial")
        if isinstance(value, str) and value != "":
            mfa_serial = value
            break

    violations = []
    ignored = []
    for hop_profile, call in zip(hop_profiles, recorder.assume_calls):
        params = {k: v for k, v in call["params"].items() if k not in ("Action", "Version")}
        if params.get("RoleSessionName") in _GENERATED_SESSION_NAMES:
            params.pop("RoleSessionName")
        violations += [f"hop {hop_profile!r}: {v}" for v in _model_violations("AssumeRole", params)]
        raw = profiles.get(hop_profile, {}).get("duration_seconds")
        if raw is not None and "DurationSeconds" not in params:
            ignored.append(f"duration_seconds {raw!r} of {hop_profile!r}: not an integer to "
                           "botocore, silently left out")
        elif isinstance(raw, str) and not re.fullmatch(r"[0-9]+", raw):
            ignored.append(f"duration_seconds {raw!r} of {hop_profile!r}: read by Python's "
                           f"int() as {params.get('DurationSeconds')}")
    if mfa_serial is not None:
        violations += [f"mfa_serial: {v}" for v in
                       _model_violations("GetSessionToken", {"SerialNumber": mfa_serial})]

    credential_source = None
    if role_profiles:
        credential_source = profiles.get(role_profiles[-1], {}).get("credential_source")
    return {
        "source_profile": source_profile,
        "access_key_id": access_key,
        "mfa_serial": mfa_serial,
        "roles": [{k: v for k, v in hop.items() if not k.startswith("_")} for hop in hops],
        "_extra": {
            "source_method": source_method,
            "credential_source": credential_source,
            "source_session_token": token,
            "source_secret_empty": secret == "",
            "hops": [{k[1:]: v for k, v in hop.items() if k.startswith("_")} for hop in hops],
            "chain": chain,
            "sts_model_violations": violations,
            "ignored_values": ignored,
        },
    }


class _Captured(Exception):
    """Raised by the IAM before-send handler: the request is recorded and never sent."""

    def __init__(self, seen: dict):
        super().__init__("captured")
        self.seen = seen


def _record_iam(request, **kwargs):
    auth = request.headers.get("Authorization", b"")
    if isinstance(auth, bytes):
        auth = auth.decode("utf-8", "replace")
    scope = _SCOPE.search(auth)
    raise _Captured({"url": request.url, "signing_region": scope.group(2) if scope else None})


def _resolve_iam(session) -> dict:
    """IAM's endpoint for this profile (awsmfa's `device` commands call IAM), captured the same
    way: a real iam client, one request, recorded in before-send and never sent."""
    try:
        client = session.create_client(
            "iam", aws_access_key_id=ENDPOINT_PROBE_KEY, aws_secret_access_key=FAKE_SECRET)
        client.list_mfa_devices()
    except _Captured as captured:
        return {"iam_endpoint": captured.seen["url"],
                "iam_signing_region": captured.seen["signing_region"]}
    except Exception as error:
        return {"iam_error": _message(error)}
    raise RuntimeError("oracle: the IAM request was not captured")


def _resolve_endpoint(session, recorder: _Recorder) -> dict:
    # Explicit keys, so that endpoint resolution does not depend on the credential chain.
    client = session.create_client(
        "sts", aws_access_key_id=ENDPOINT_PROBE_KEY, aws_secret_access_key=FAKE_SECRET)
    client.get_caller_identity()
    call = recorder.identity_calls[-1]
    return {"sts_endpoint": call["url"], "signing_region": call["signing_region"],
            "client_region": client.meta.region_name}


def resolve_profile(name: str) -> dict:
    recorder = _Recorder()
    session = _new_session(name, recorder)
    try:
        region = session.get_config_variable("region")
        profile_region = session.get_config_variable("region", methods=("config",))
        result = _resolve_credentials(session, name, recorder)
        hop_count = len(recorder.assume_calls)
        endpoint = _resolve_endpoint(session, recorder)
    except Exception as error:  # every botocore failure is the profile's error
        out = {"error": _message(error)}
        if not isinstance(error, botocore.exceptions.BotoCoreError | ValueError | KeyError):
            out["_extra"] = {"unexpected": traceback.format_exc(limit=3)}
        return out
    extra = result.pop("_extra")
    extra["profile_region"] = profile_region
    extra["client_region"] = endpoint.pop("client_region")
    extra["hop_count"] = hop_count
    result.update({"region": region, **endpoint})
    iam = _resolve_iam(session)
    if "iam_error" in iam:
        extra["iam_error"] = iam["iam_error"]
    else:
        extra.update(iam)
    if extra["source_secret_empty"] or result["access_key_id"] == "":
        # botocore signs with an empty key or secret; STS refuses every such request.
        extra["empty_source_key"] = True
    result["_extra"] = extra
    return result


def dropped_sections(session) -> list[str]:
    """Config-file sections that look like profile/sso-session/services headers but that
    botocore's build_profile_map silently drops (shlex error or not exactly two words)."""
    import botocore.configloader as loader

    path = session.get_config_variable("config_file")
    try:
        raw = loader.raw_config_parse(path)
    except botocore.exceptions.ConfigNotFound:
        return []
    dropped = []
    for section in raw:
        for prefix in ("profile", "sso-session", "services"):
            if section.startswith(prefix):
                if not loader._parse_section(section, {}):
                    dropped.append(section)
                break
    return dropped


def resolve_all(extra_names=()) -> dict:
    recorder = _Recorder()
    session = _new_session(None, recorder)
    try:
        names = list(session.available_profiles)
    except Exception as error:
        return {"error": _message(error)}
    results = {}
    for name in names + [n for n in extra_names if n not in names]:
        results[name] = resolve_profile(name)
    return {"profiles": names, "results": results,
            "_extra": {"dropped_sections": dropped_sections(session)}}


def run_case(env: dict, extra_names=(), cwd: str | None = None) -> dict:
    """Resolves every profile with `env` as the whole of os.environ (and `cwd` as the working
    directory, for relative file names); both are restored afterwards."""
    saved = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    try:
        if cwd:
            os.chdir(cwd)
        return resolve_all(extra_names)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved)


def strip_extra(value):
    """The result without the oracle's notes: exactly awsmfa's __resolve shape."""
    if isinstance(value, dict):
        return {k: strip_extra(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [strip_extra(v) for v in value]
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", action="store_true")
    parser.add_argument("--config")
    parser.add_argument("--credentials")
    parser.add_argument("--env-json")
    parser.add_argument("--with-notes", action="store_true",
                        help="keep the oracle's notes (keys starting with _)")
    parser.add_argument("profiles", nargs="*")
    args = parser.parse_args(argv)
    _install_patches()
    _prepare()
    if args.batch:
        for line in sys.stdin:
            if not line.strip():
                continue
            case = json.loads(line)
            result = run_case(case["env"], case.get("profiles", ()), case.get("cwd"))
            sys.stdout.write(json.dumps({"id": case["id"], "result": result}) + "\n")
            sys.stdout.flush()
        return 0
    env = dict(os.environ)
    if args.env_json:
        with open(args.env_json, encoding="utf-8") as handle:
            env = json.load(handle)
    if args.config:
        env["AWS_CONFIG_FILE"] = args.config
    if args.credentials:
        env["AWS_SHARED_CREDENTIALS_FILE"] = args.credentials
    result = run_case(env, args.profiles)
    if args.profiles and "results" in result:
        result["results"] = {k: v for k, v in result["results"].items() if k in args.profiles}
    if not args.with_notes:
        result = strip_extra(result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
