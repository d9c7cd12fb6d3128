"""The session lifecycle where users meet it (issue 12, the parts built so far): the default format
follows the shell that reads it, fish's `| source` ends with status 0, and `exec` takes --code,
options after PROFILE and says what is missing."""
from __future__ import annotations

import shutil
import subprocess

import pytest


def shell_run(argv: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                          start_new_session=True)


@pytest.mark.parametrize("reader", ["sh", "dash", "bash"])
def test_a_fish_users_posix_script_gets_posix_text(reader, sts, aws_home, awsmfa_bin, keyring_name):
    """A fish login shell ($SHELL) must not make `eval "$(awsmfa env P)"` in a sh script fail."""
    assert shutil.which(reader)
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, SHELL="/usr/bin/fish")
    code = sts.totp()
    done = shell_run([reader, "-c", f'eval "$({awsmfa_bin} env base --code {code})" && '
                                    'printf "%s" "$AWS_ACCESS_KEY_ID"'], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ASIA")
    # And fish itself still gets fish from the same call, whatever $SHELL says.
    fish = shell_run(["fish", "--no-config", "-c",
                      f"{awsmfa_bin} env base | source; and printf %s $AWS_ACCESS_KEY_ID"],
                     dict(env, SHELL="/bin/bash"))
    assert fish.returncode == 0, fish.stderr
    assert fish.stdout.startswith("ASIA")


def test_direnv_style_bash_gets_posix_even_for_a_fish_user(sts, aws_home, awsmfa_bin, keyring_name, run):
    run("env", "base", "--code", sts.totp(), "--format", "json")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, SHELL="/usr/bin/fish")
    # direnv evaluates .envrc with bash: the parent of awsmfa is bash.
    done = shell_run(["bash", "-c", f"out=$({awsmfa_bin} env base); printf '%s' \"$out\""], env)
    assert done.returncode == 0 and done.stdout.startswith("unset AWS_PROFILE;"), done.stdout


@pytest.mark.parametrize("aws_profile", [None, "someone"])
def test_fish_source_ends_with_status_zero(aws_profile, sts, aws_home, awsmfa_bin, keyring_name, run):
    run("env", "base", "--code", sts.totp(), "--format", "json")
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name)
    env.pop("AWS_PROFILE", None)
    if aws_profile:
        env["AWS_PROFILE"] = aws_profile
    done = shell_run(["fish", "--no-config", "-c",
                      f"{awsmfa_bin} env base --format fish | source; and echo sourced; "
                      f"{awsmfa_bin} unset --format fish | source; and echo removed"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sourced", "removed"]


def test_exec_takes_a_code_and_options_after_the_profile(run, sts):
    done = run("exec", "base", "--code", sts.totp(), "--", "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ASIA")
    # Options between PROFILE and `--` are awsmfa's; a COMMAND may have its own `--` later.
    again = run("exec", "base", "--refresh", "--code", sts.totp(step_offset=1), "--", "sh", "-c",
                'printf %s "$AWS_ACCESS_KEY_ID"')
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("ASIA") and again.stdout != done.stdout
    plain = run("exec", "base", "printf", "%s", "--", "x")
    assert plain.returncode == 0 and plain.stdout == "--x"


@pytest.mark.parametrize("args, fragment", [
    (["exec", "base"], "needs a COMMAND"),
    (["exec", "base", "--"], "needs a COMMAND"),
    (["exec", "base", "--refresh", "true"], "need `--` before COMMAND"),
    (["exec", "base", "--bogus", "--", "true"], "does not know the option"),
])
def test_exec_says_what_is_missing(args, fragment, run, sts):
    done = run(*args)
    assert done.returncode == 64, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0], done.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_switching_profiles_never_leaks_and_unset_restores(shell, sts, aws_home, awsmfa_bin, keyring_name, run):
    """env a (a region) then env b (none): awsmfa's region goes, the user's never would; unset
    puts back the AWS_PROFILE the first env removed and leaves the user's own region alone."""
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile noregion]\nrole_arn = {sts.role_arn}\nsource_profile = base\n")
    run("env", "base", "--code", sts.totp(), "--format", "json")
    env = {k: v for k, v in aws_home.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env.update(AWSMFA_KEYRING=keyring_name, AWS_PROFILE="mine", AWS_DEFAULT_REGION=sts.region)
    fmt = "fish" if shell == "fish" else "bash"
    def use(what: str) -> str:
        if shell == "fish":
            return f"{awsmfa_bin} {what} --format fish | source"
        return f'eval "$({awsmfa_bin} {what} --format {fmt})"'
    show = ("printf '%s|%s|%s|%s\\n' \"$AWS_PROFILE\" \"$AWS_REGION\" \"$AWSMFA_PROFILE\" \"$AWS_ACCESS_KEY_ID\"")
    if shell == "fish":
        show = ("printf '%s|%s|%s|%s\\n' \"$AWS_PROFILE\" \"$AWS_REGION\" \"$AWSMFA_PROFILE\" "
                "\"$AWS_ACCESS_KEY_ID\"")
    script = "; ".join([use("env base"), show, use("env noregion"), show, use("unset"), show])
    argv = {"bash": ["bash", "--norc", "-c"], "zsh": ["zsh", "-f", "-c"], "fish": ["fish", "--no-config", "-c"]}
    done = shell_run(argv[shell] + [script], env)
    assert done.returncode == 0, done.stderr
    first, second, third = done.stdout.splitlines()
    profile, region, active, key = first.split("|")
    assert (profile, region, active) == ("", sts.region, "base") and key.startswith("ASIA")
    profile, region, active, key = second.split("|")
    assert (profile, region, active) == ("", "", "noregion"), second
    profile, region, active, key = third.split("|")
    assert (profile, region, active, key) == ("mine", "", "", ""), third


def test_a_session_sts_rejects_is_dropped_and_renewed_once(run, sts):
    """An MFA session that STS stops honouring (here: expired on the gate's side) is not reused
    forever: the role call that fails with it starts one new session, with the code given."""
    first = run("env", "admin", "--code", sts.totp(), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert sts.count("GetSessionToken") == 1
    sts.expire_sessions()
    again = run("env", "admin", "--refresh", "--code", sts.totp(step_offset=1), "--format", "json", "-v")
    assert again.returncode == 0, again.stderr
    assert "rejected the cached MFA session" in again.stderr
    assert sts.count("GetSessionToken") == 2


def test_new_session_renews_the_mfa_session_of_a_role_profile(run, sts):
    assert run("env", "admin", "--code", sts.totp(), "--format", "json").returncode == 0
    assert run("env", "admin", "--refresh", "--format", "json").returncode == 0
    assert sts.count("GetSessionToken") == 1, "--refresh alone reuses the MFA session"
    done = run("env", "admin", "--new-session", "--code", sts.totp(step_offset=1), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sts.count("GetSessionToken") == 2


def test_code_uses_the_profiles_mfa_process(run, aws_home, sts):
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile viaprocess]\nmfa_serial = {sts.mfa_serial}\nmfa_process = printf 654321\n"
                f"role_arn = {sts.role_arn}\nsource_profile = base\n")
    done = run("code", "viaprocess")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "654321\n"


def test_list_shows_unusable_profiles_in_a_few_words_and_env_suggests_names(run, aws_home, sts):
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write("\n[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n"
                "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
                "[profile proc]\ncredential_process = /bin/false\n"
                "[profile regiononly]\nregion = eu-west-1\n")
    done = run("list")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert rows["sso"].endswith("not usable: SSO sign-in")
    assert rows["proc"].endswith("not usable: credential_process")
    assert rows["regiononly"].endswith("not usable: no keys (and no role_arn)")
    assert all(len(line) < 200 for line in done.stdout.splitlines())
    typo = run("env", "admn", "--format", "json")
    assert typo.returncode == 78 and "Did you mean 'admin'?" in typo.stderr


def test_doctor_treats_a_missing_pcscd_as_information_when_no_card_is_needed(run, aws_home, sts):
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile viaprocess]\nmfa_serial = {sts.mfa_serial}\nmfa_process = printf 123456\n"
                f"role_arn = {sts.role_arn}\nsource_profile = base\n")
    nopcsc = {"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"}
    done = run("doctor", "viaprocess", env=nopcsc)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout
    assert any(l.startswith("ℹ pcscd:") for l in lines), done.stdout
    # The same machine for a profile whose codes can only come from a card: a failure.
    card = run("doctor", "admin", env=nopcsc)
    assert card.returncode == 1 and any(l.startswith("✘ pcscd:") for l in card.stdout.splitlines())


def test_direnv_loads_posix_text_for_a_fish_user(sts, aws_home, awsmfa_bin, keyring_name, run, tmp_path):
    """direnv evaluates .envrc with bash whatever the user's shell: `eval "$(awsmfa env P)"` there
    must get POSIX text even with SHELL=fish, and the exported credentials reach the command."""
    assert shutil.which("direnv")
    run("env", "base", "--code", sts.totp(), "--format", "json")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".envrc").write_text(f'eval "$({awsmfa_bin} env base)"\n')
    env = dict(aws_home, AWSMFA_KEYRING=keyring_name, SHELL="/usr/bin/fish",
               XDG_CONFIG_HOME=str(tmp_path / "xdg-config"), XDG_DATA_HOME=str(tmp_path / "xdg-data"))
    allowed = subprocess.run(["direnv", "allow", str(project)], env=env, capture_output=True, text=True,
                             timeout=30, cwd=project)
    assert allowed.returncode == 0, allowed.stderr
    done = subprocess.run(["direnv", "exec", str(project), "sh", "-c", 'printf %s "$AWS_ACCESS_KEY_ID"'],
                          env=env, capture_output=True, text=True, timeout=60, cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ASIA"), done.stderr
