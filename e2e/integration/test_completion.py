"""Tab completion: the scripts are current, complete subcommands, options and --format values,
and offer profile names (spaces, quotes, globs) safely; bash through COMP_WORDS, fish through
`complete -C`, zsh through a TAB typed in tmux."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from test_shell_hooks import TmuxShell

ROOT = Path(__file__).resolve().parents[2]
FILES = {"bash": "awsmfa.bash", "zsh": "_awsmfa", "fish": "awsmfa.fish"}
ODD = ["a b", "we'ird", "glob*?[x]", "dollar$HOME", "semi;colon", "ünï"]


@pytest.fixture
def completion_env(tmp_path, awsmfa_bin):
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n[profile prod]\n[profile prod-eu]\n"
                      + "".join(f"[profile {shlex.quote(name)}]\n" for name in ODD) + "[sso-session corp]\n")
    creds = tmp_path / "credentials"
    creds.write_text("[prod]\n[keys-only]\n")
    return dict({k: v for k, v in os.environ.items() if not k.startswith("AWS")},
                AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(creds),
                PATH=f"{Path(awsmfa_bin).parent}:{os.environ['PATH']}", HOME=str(tmp_path))


@pytest.mark.parametrize("shell", FILES)
def test_files_are_current(shell, awsmfa_bin):
    printed = subprocess.run([awsmfa_bin, "completion", shell], capture_output=True, text=True,
                             check=True).stdout
    path = ROOT / "completions" / FILES[shell]
    if os.environ.get("AWSMFA_SYNC"):
        path.write_text(printed)
    assert path.read_text() == printed, f"run: awsmfa completion {shell} > completions/{FILES[shell]}"
    tree = json.loads(subprocess.run([awsmfa_bin, "--experimental-dump-help"], capture_output=True,
                                     text=True, check=True).stdout)
    for command in tree["command"]["subcommands"]:
        if command.get("shouldDisplay") is False:
            continue  # hidden test helpers (__resolve) are not offered
        assert command["commandName"] in printed
        for argument in command.get("arguments", []):
            for name in argument.get("names", []):
                assert name["name"] in printed


def test_profiles_fast_path_lists_names_by_prefix(awsmfa_bin, completion_env):
    listed = subprocess.run([awsmfa_bin, "__profiles"], env=completion_env, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert listed == ["default", "prod", "prod-eu", *ODD, "keys-only"]
    prefixed = subprocess.run([awsmfa_bin, "__profiles", "prod"], env=completion_env,
                              capture_output=True, text=True, check=True).stdout.splitlines()
    assert prefixed == ["prod", "prod-eu"]


def bash_complete(env: dict, *words: str) -> list[str]:
    script = (f"source {ROOT / 'completions' / 'awsmfa.bash'}\n"
              'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _awsmfa\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "-c", script, "_", *words], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_bash(completion_env):
    assert {"env", "unset", "hook", "completion"} <= set(bash_complete(completion_env, "awsmfa", ""))
    assert bash_complete(completion_env, "awsmfa", "env", "--f") == ["--format"]
    assert bash_complete(completion_env, "awsmfa", "env", "--format", "") == [
        "bash", "zsh", "fish", "json", "dotenv"]
    assert bash_complete(completion_env, "awsmfa", "hook", "z") == ["zsh"]
    assert bash_complete(completion_env, "awsmfa", "env", "pro") == ["prod", "prod-eu"]
    assert bash_complete(completion_env, "awsmfa", "env", "--format", "json", "pro") == ["prod", "prod-eu"]
    assert "prod" not in bash_complete(completion_env, "awsmfa", "env", "prod", "")
    assert bash_complete(completion_env, "awsmfa", "clear", "prod", "k") == ["keys-only"]
    # Each candidate is inserted verbatim: it must read back as the name, and run nothing.
    offered = bash_complete(completion_env, "awsmfa", "env", "")
    assert len(offered) == 3 + len(ODD) + 1
    for name, word in zip(["default", "prod", "prod-eu", *ODD, "keys-only"], offered):
        back = subprocess.run(["bash", "-c", f"printf '%s' {word}"], capture_output=True, text=True).stdout
        assert back == name, (name, word)
    assert bash_complete(completion_env, "awsmfa", "env", "a\\ ") == ["a\\ b"]
    assert bash_complete(completion_env, "awsmfa", "env", "'we") == ["we\\'ird"]
    # Nested subcommands: `device` offers its own, and each of those its options and profiles.
    assert bash_complete(completion_env, "awsmfa", "device", "") == [
        "enroll", "import", "resync", "list", "--version", "-h", "--help"]
    assert bash_complete(completion_env, "awsmfa", "device", "enroll", "pro") == ["prod", "prod-eu"]
    assert bash_complete(completion_env, "awsmfa", "device", "enroll", "--no") == ["--no-touch"]
    assert "--json" in bash_complete(completion_env, "awsmfa", "list", "--")
    assert "--json" not in bash_complete(completion_env, "awsmfa", "device", "list", "--")


def fish_complete(env: dict, line: str) -> list[str]:
    script = f"source {ROOT / 'completions' / 'awsmfa.fish'}; complete -C {json.dumps(line)}"
    done = subprocess.run(["fish", "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [l.split("\t")[0] for l in done.stdout.splitlines()]


def test_fish(completion_env):
    assert {"env", "unset", "hook", "completion"} <= set(fish_complete(completion_env, "awsmfa "))
    assert set(fish_complete(completion_env, "awsmfa env --format ")) == {"bash", "zsh", "fish", "json", "dotenv"}
    offered = fish_complete(completion_env, "awsmfa env ")
    assert set(["default", "prod", "prod-eu", *ODD, "keys-only"]) <= set(offered)
    assert fish_complete(completion_env, "awsmfa env pro") == ["prod", "prod-eu"]
    assert fish_complete(completion_env, "awsmfa env a\\ ") == ["a b"]
    assert set(fish_complete(completion_env, "awsmfa device ")) == {"enroll", "import", "resync", "list"}
    assert fish_complete(completion_env, "awsmfa device resync pro") == ["prod", "prod-eu"]
    assert "--json" not in fish_complete(completion_env, "awsmfa device list --")
    assert "--json" in fish_complete(completion_env, "awsmfa list --")


def test_zsh_tab_in_a_terminal(completion_env, tmp_path):
    functions = tmp_path / "zfunc"
    functions.mkdir()
    (functions / "_awsmfa").write_text((ROOT / "completions" / "_awsmfa").read_text())
    home = tmp_path / "zhome"
    home.mkdir()
    rc = f"fpath=({functions} $fpath)\nautoload -Uz compinit && compinit -u -D\n"
    sh = TmuxShell("zsh", completion_env, home, rc)
    try:
        def tab(typed: str) -> str:
            sh.tmux("send-keys", "-t", "t", "-l", typed)
            sh.tmux("send-keys", "-t", "t", "Tab")
            time.sleep(1.0)
            line = [l for l in sh.screen().splitlines() if l.strip()][-1]
            sh.tmux("send-keys", "-t", "t", "C-u")
            return line.rstrip()

        assert tab("awsmfa env --format j").endswith("awsmfa env --format json")
        assert tab("awsmfa env a").endswith("awsmfa env a\\ b")
        assert tab("awsmfa env we").endswith("awsmfa env we\\'ird")
        assert tab("awsmfa env gl").endswith("awsmfa env glob\\*\\?\\[x\\]")
        assert tab("awsmfa hoo").endswith("awsmfa hook")
        assert tab("awsmfa device enr").endswith("awsmfa device enroll")
        assert tab("awsmfa device resync pro").endswith("awsmfa device resync prod")
    finally:
        sh.close()
