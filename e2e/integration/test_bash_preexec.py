"""bash refreshes before the command, not only at the prompt (issue 12, point 1).

Real interactive bash under tmux, the STS test peer and a PATH shim that logs each awsmfa start
(the fixtures of test_shell_hooks.py). The hook is installed from shell/awsmfa.bash (sourced, or
its text eval'd as `eval "$(awsmfa hook bash)"` does), so these tests hold the text before the
binary's copy (Sources/AWSMFAKit/Shell/HookBash.swift) is rebuilt from it.

The idle case: the line before sets AWSMFA_REFRESH_WINDOW=0 and AWSMFA_EXPIRES two seconds
ahead, so the prompt drawn after it is fresh (no start); the test then waits at that prompt,
without a key, until the exported expiry has passed, and types the next line.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from test_shell_hooks import TmuxShell, add_short_role, shim, warm_cache  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "shell" / "awsmfa.bash"
REFRESH = "env --hook --format bash -- {}"

# A stand-in for bash-preexec (https://github.com/rcaloras/bash-preexec), which no registry
# here ships: its contract as far as awsmfa relies on it. It defines __bp_install and installs
# itself at the first prompt (as bash-preexec does when sourced from an rc file): its own DEBUG
# trap `__bp_preexec_invoke_exec "$_"`, armed by the last PROMPT_COMMAND entry, calls every
# function in preexec_functions once per line typed at the prompt, with the line as $1 and the
# previous command's $? and $_ put back.
FAKE_BASH_PREEXEC = r"""
__bp_imported=defined
bash_preexec_imported=defined
__bp_armed=
__bp_last_ret=0
__bp_set_ret() { return "${1:-0}"; }
__bp_interactive_mode() { __bp_armed=on; }
__bp_precmd_invoke_cmd() {
  __bp_last_ret=$?
  local f
  for f in "${precmd_functions[@]-}"; do [[ -z $f ]] || { __bp_set_ret "$__bp_last_ret"; "$f"; }; done
}
__bp_preexec_invoke_exec() {
  local last=$1 f
  [[ -n $__bp_armed && -z ${COMP_LINE-} ]] || return 0
  [[ $BASH_COMMAND != __bp_* ]] || { __bp_armed=; return 0; }
  __bp_armed=
  local ret=0
  for f in "${preexec_functions[@]-}"; do
    [[ -z $f ]] || { __bp_set_ret "$__bp_last_ret"; "$f" "$BASH_COMMAND" || ret=$?; }
  done
  __bp_set_ret "$ret" "$last"
}
__bp_install() {
  trap '__bp_preexec_invoke_exec "$_"' DEBUG
  local rest=${PROMPT_COMMAND//__bp_install/}
  rest=${rest%;}
  PROMPT_COMMAND="__bp_precmd_invoke_cmd;${rest:+$rest;}__bp_interactive_mode"
  __bp_interactive_mode
}
PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND;}__bp_install"
bp_seen() { printf '%s\n' "$1" >> "$HOME/bp.log"; }
preexec_functions+=(bp_seen)
"""

# Another DEBUG trap (as a command timer or logger would set): logs what it sees ($?, $_ and
# BASH_COMMAND) and, under extdebug, stops a command named `blocked` by failing.
OTHER_TRAP = r"""
_other_dbg() {
  local s=$1 u=$2
  printf '%s|%s|%s\n' "$s" "$u" "$BASH_COMMAND" >> "$HOME/other.log"
  [[ $BASH_COMMAND != blocked* ]]
}
trap '_other_dbg "$?" "$_"' DEBUG
"""

# Counts the calls of _awsmfa_hook by caller: `prompt` from PROMPT_COMMAND, `_awsmfa_preexec`
# from the command hook. Installed after the hook; keeps $? for the real hook.
COUNT_CALLS = r"""
eval "$(declare -f _awsmfa_hook | sed '1s/_awsmfa_hook/_awsmfa_hook_real/')"
_count_ret() { return "$1"; }
_awsmfa_hook() {
  local s=$?
  hook_calls+=("${FUNCNAME[1]-prompt}")
  _count_ret "$s"
  _awsmfa_hook_real "$@"
}
"""


@pytest.fixture
def open_bash(tmp_path, aws_home, keyring_name, shim, sts):  # noqa: F811 (fixture)
    """Starts interactive bash whose rc runs `before`, installs the hook `installs` times from
    shell/awsmfa.bash (`source FILE`, or `eval` of its text as for `eval "$(awsmfa hook bash)"`),
    then runs `after`."""
    opened = []

    def _open(before: str = "", installs: int = 1, after: str = "", how: str = "source") -> TmuxShell:
        assert shutil.which("bash") and shutil.which("tmux")
        env = dict(aws_home, AWSMFA_KEYRING=keyring_name, PATH=f"{shim.path}:{os.environ['PATH']}",
                   XDG_RUNTIME_DIR=str(tmp_path))
        home = tmp_path / "home-bash"
        home.mkdir(exist_ok=True)
        install = f"source {HOOK}" if how == "source" else f'eval "$(< {HOOK})"'
        rc = before + "\n" + f"{install}\n" * installs + after + "\n"
        opened.append(TmuxShell("bash", env, home, rc))
        return opened[-1]

    yield _open
    for sh in opened:
        sh.close()


def refreshes(starts: list[str]) -> list[str]:
    return [s for s in starts if s.startswith("env --hook")]


def go_idle(sh: TmuxShell, setup: str = "", last: str = ":") -> None:
    """Runs `setup`, makes the exported credentials expire two seconds later (window 0) and ends
    the line with `last`; then waits at the prompt, pressing nothing, until that expiry passed."""
    sh.n += 1
    mark = sh.home / f"expires.{sh.n}"
    sh.send(f"{setup}{'; ' if setup else ''}export AWSMFA_REFRESH_WINDOW=0 "
            f"AWSMFA_EXPIRES=$((EPOCHSECONDS + 2)); printf '%s' \"$AWSMFA_EXPIRES\" > {mark}; {last}")
    deadline = time.time() + 30
    while not (mark.exists() and mark.read_text()):
        assert time.time() < deadline, sh.screen()
        time.sleep(0.05)
    expires = int(mark.read_text())
    while time.time() < expires + 0.3:
        time.sleep(0.05)


def test_hook_text_fits_the_swift_raw_string():
    """HookBash.swift holds the text verbatim in #\"\"\" ... \"\"\"#: no backslash may stand
    before a # (it would start an escape there) and the delimiter must not occur."""
    text = HOOK.read_text()
    assert "\\#" not in text and '"""#' not in text
    subprocess.run(["bash", "-n", str(HOOK)], check=True)


@pytest.mark.parametrize("how", ["source", "eval"])
def test_idle_prompt_past_expiry_refreshes_before_the_command(how, open_bash, shim, run, sts, aws_home):
    warm_cache(run, sts)
    add_short_role(aws_home, sts)
    sh = open_bash(how=how)
    before = len(shim.starts())
    # Role credentials (a new key at each AssumeRole), fresh at the prompt drawn after the line.
    go_idle(sh, setup='eval "$(awsmfa env short)"; first=$AWS_ACCESS_KEY_ID')
    assert sts.count("AssumeRole") == 1
    assert shim.starts()[before:] == ["env short"], "the prompt after that line started nothing"
    before += 1
    # The first command typed after the expiry sees the renewed credentials.
    key = sh.ask("printf '%s\\n' \"$AWS_ACCESS_KEY_ID\"").strip()
    first = sh.var("first")
    assert first.startswith("ASIA") and key.startswith("ASIA") and key != first
    assert shim.starts()[before:] == [REFRESH.format("short")]
    assert sts.count("AssumeRole") == 2
    assert int(sh.var("AWSMFA_EXPIRES")) > time.time() + 600
    # The prompt after that line and the next lines start nothing (fresh, or backing off).
    sh.ask("true")
    assert len(shim.starts()) == before + 1


def test_fresh_credentials_start_no_process_before_any_command(open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash(before="PROMPT_COMMAND=(': one' ': two')\nf() { true; (true); echo x | cat; }")
    shown = sh.ask("trap -p DEBUG")
    assert "_awsmfa_debug" in shown, shown
    sh.send('eval "$(awsmfa env base)"')
    assert sh.var("AWSMFA_PROFILE") == "base"
    before = len(shim.starts())
    for line in ["true; true; true", "for i in 1 2 3; do :; done", "f", "echo a | cat >/dev/null",
                 "x=$(echo y)", "(true)", "sleep 0 & wait", ""]:
        sh.send(line)
    sh.ask("true")
    assert shim.starts()[before:] == [], shim.starts()
    assert sts.count() == 1


@pytest.mark.parametrize("mode", ["trap", "functrace", "other-trap", "bash-preexec"])
def test_the_hook_runs_once_per_line(mode, open_bash):
    """One command-hook call per line typed at the prompt, whatever the line runs, none for the
    PROMPT_COMMAND entries, for completion or for empty lines."""
    before = {
        "trap": "",
        "functrace": "set -T",
        "other-trap": OTHER_TRAP,
        "bash-preexec": FAKE_BASH_PREEXEC,
    }[mode]
    before += "\nPROMPT_COMMAND+=(': one' ': two')\n" if mode != "bash-preexec" else ""
    before += ("\nf() { true; (true; true); echo x | cat >/dev/null; y=$(true; true); }\n"
               "_c() { true; true; COMPREPLY=(alpha); }\ncomplete -F _c foo\n")
    sh = open_bash(before=before, after=COUNT_CALLS)
    sh.send("hook_calls=()")
    for line in ["true; true; true", "for i in 1 2 3; do true; done", "f", "echo a | cat >/dev/null", ""]:
        sh.send(line)
    sh.tmux("send-keys", "-t", "t", "-l", "foo ")
    sh.tmux("send-keys", "-t", "t", "Tab")
    deadline = time.time() + 10
    while "foo alpha" not in sh.screen():
        assert time.time() < deadline, sh.screen()
        time.sleep(0.05)
    sh.tmux("send-keys", "-t", "t", "C-u")
    sh.send("(true)")
    calls = sh.ask("printf '%s\\n' \"${hook_calls[@]}\"").split()
    # Each line: the command hook before it, the prompt hook after it. The prompt after an
    # empty line is drawn without a command hook; `(true)` runs no DEBUG trap in this shell
    # (only in the subshell with set -T, where the hook does nothing), so it has none either.
    per_line = ["_awsmfa_preexec", "prompt"]
    expected = ["prompt"] + per_line * 4 + ["prompt", "prompt", "_awsmfa_preexec"]
    assert calls == expected, sh.screen()


def test_status_and_last_argument_survive_a_refresh(open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash()
    # Each case starts with awsmfa-use, which lifts the one-try-a-minute back-off, so that the
    # line after the idle wait refreshes again.
    # Each command also prints AWSMFA_EXPIRES: the real expiry again, so the refresh ran before it.
    go_idle(sh, setup="awsmfa-use base", last="false")
    status, expires = sh.ask('echo "$? $AWSMFA_EXPIRES"').split()
    assert status == "1" and int(expires) > time.time() + 600
    assert len(refreshes(shim.starts())) == 1

    go_idle(sh, setup="awsmfa-use base", last="sh -c 'exit 7'")
    status, expires = sh.ask('echo "$? $AWSMFA_EXPIRES"').split()
    assert status == "7" and int(expires) > time.time() + 600
    assert len(refreshes(shim.starts())) == 2

    go_idle(sh, setup="awsmfa-use base", last="echo foo bar > /dev/null")
    last, expires = sh.ask('echo "$_" "$AWSMFA_EXPIRES"').split()
    assert last == "bar" and int(expires) > time.time() + 600
    assert len(refreshes(shim.starts())) == 3

    go_idle(sh, setup="awsmfa-use base")
    line = 'printf "%s\\n" "$BASH_COMMAND" "$AWSMFA_EXPIRES"'
    command, expires = sh.ask(line).splitlines()
    assert command.startswith(line + " > ") and int(expires) > time.time() + 600
    assert refreshes(shim.starts()) == [REFRESH.format("base")] * 4


def test_extdebug_runs_every_command(open_bash, shim, run, sts):
    """Under extdebug a DEBUG trap that fails skips the command: the hook's never fails."""
    warm_cache(run, sts)
    sh = open_bash(before="shopt -s extdebug")
    sh.send('eval "$(awsmfa env base)"')
    sh.send("false")
    assert sh.ask("echo ran").strip() == "ran"
    go_idle(sh, last="false")
    ran, expires = sh.ask('echo ran "$AWSMFA_EXPIRES"').split()
    assert ran == "ran" and int(expires) > time.time() + 600
    assert refreshes(shim.starts()) == [REFRESH.format("base")]


@pytest.mark.parametrize("how", ["source", "eval"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_another_debug_trap_still_runs_first_and_decides(where, how, open_bash, shim, run, sts):
    """The other trap set before or after the hook in the rc file (a sourced file and a function
    do not see the DEBUG trap: the hook reads it at the first prompt)."""
    warm_cache(run, sts)
    sh = open_bash(how=how, **{where: OTHER_TRAP + "\nshopt -s extdebug"})
    shown = sh.ask("trap -p DEBUG")
    assert "_other_dbg" in shown and "_awsmfa_debug" in shown, shown
    sh.send('eval "$(awsmfa env base)"')
    assert sh.var("AWSMFA_PROFILE") == "base"
    go_idle(sh, last="sh -c 'exit 4' bar")
    log = sh.home / "other.log"
    log.write_text("")
    ran, expires = sh.ask('echo ran "$AWSMFA_EXPIRES"').split()
    assert ran == "ran" and int(expires) > time.time() + 600
    assert refreshes(shim.starts()) == [REFRESH.format("base")]
    # The other trap saw the line's own $?, $_ and BASH_COMMAND before awsmfa's ran.
    first = log.read_text().splitlines()[0]
    assert first.startswith('4|bar|echo ran "$AWSMFA_EXPIRES" > '), first
    # Its status still decides under extdebug: `blocked` is skipped, the next command runs.
    sh.send(f"blocked() {{ echo blocked-ran > {sh.home}/blocked.out; }}")
    assert sh.ask("blocked; echo next").strip() == "next"
    assert not (sh.home / "blocked.out").exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_bash_preexec_gets_the_hook_in_preexec_functions(where, open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash(**{where: FAKE_BASH_PREEXEC})
    shown = sh.ask("{ trap -p DEBUG; declare -p preexec_functions; }")
    assert "__bp_preexec_invoke_exec" in shown and "_awsmfa_debug" not in shown, shown
    assert "_awsmfa_preexec" in shown and "bp_seen" in shown, shown
    sh.send('eval "$(awsmfa env base)"')
    assert sh.var("AWSMFA_PROFILE") == "base"
    before = len(shim.starts())
    for _ in range(3):
        sh.ask("true")
    assert len(shim.starts()) == before, "fresh: nothing started"
    go_idle(sh, last="false")
    (sh.home / "bp.log").write_text("")
    status, expires = sh.ask('echo "$? $AWSMFA_EXPIRES"').split()
    assert status == "1" and int(expires) > time.time() + 600
    assert refreshes(shim.starts()) == [REFRESH.format("base")]
    # bash-preexec's own preexec function still ran, once, for that line.
    assert (sh.home / "bp.log").read_text().splitlines() == [
        f'echo "$? $AWSMFA_EXPIRES" > {sh.home}/answer.{sh.n}']


def test_sourcing_twice_installs_once(open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash(before=OTHER_TRAP, installs=2)
    sh.send(f"source {HOOK}")           # and once more by hand
    shown = sh.ask("{ trap -p DEBUG; declare -p PROMPT_COMMAND; }")
    assert shown.count("_awsmfa_debug") == 1 and shown.count("_other_dbg") == 1, shown
    assert shown.count("_awsmfa_hook") == 1, shown
    sh.send('eval "$(awsmfa env base)"')
    sh.ask("true")
    starts = len(shim.starts())
    go_idle(sh)
    sh.ask("true")
    assert shim.starts()[starts:] == [REFRESH.format("base")], "one refresh, not one per install"


def test_sourcing_twice_with_bash_preexec_registers_once(open_bash):
    sh = open_bash(before=FAKE_BASH_PREEXEC, installs=2)
    sh.send(f"source {HOOK}")
    shown = sh.ask("declare -p preexec_functions")
    assert shown.count("_awsmfa_preexec") == 1, shown


def test_nounset_with_functrace_and_other_hooks(open_bash, shim, run, sts, aws_home):
    warm_cache(run, sts)
    add_short_role(aws_home, sts)
    sh = open_bash(before="set -u -T\n_other() { other_saw=$?; }\nPROMPT_COMMAND=(_other)\n" + OTHER_TRAP)
    go_idle(sh, setup='eval "$(awsmfa env short)"; first=$AWS_ACCESS_KEY_ID', last="sh -c 'exit 5'")
    status, key = sh.ask("printf '%s\\n' \"$?\" \"$AWS_ACCESS_KEY_ID\"").split()
    assert status == "5" and key.startswith("ASIA") and key != sh.var("first")
    assert refreshes(shim.starts()) == [REFRESH.format("short")]
    sh.send("sh -c 'exit 3'")
    assert sh.var("other_saw") == "3"
    assert sh.status_of("false") == "1"
    screen = sh.screen()
    assert "unbound" not in screen and "parameter not set" not in screen, screen


def test_ctrl_c_during_a_refresh_before_the_command(open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash()
    sh.send('eval "$(awsmfa env base)"')
    key = sh.var("AWS_ACCESS_KEY_ID")
    go_idle(sh, setup="export AWSMFA_TEST_SLOW=1")
    before = len(shim.starts())
    sh.send(f"echo ran > {sh.home}/ran.out")
    deadline = time.time() + 10
    while len(shim.starts()) == before:
        assert time.time() < deadline, sh.screen()
        time.sleep(0.05)
    assert shim.starts()[-1] == REFRESH.format("base")
    time.sleep(0.3)
    started = time.time()
    sh.tmux("send-keys", "-t", "t", "C-c")
    assert sh.var("AWS_ACCESS_KEY_ID") == key
    assert time.time() - started < 5, "the prompt came back at once, not after the 30 s sleep"
    assert not (sh.home / "ran.out").exists(), "Ctrl-C stopped the line, as it stops a command"
    starts = len(shim.starts())
    sh.ask("true")
    assert len(shim.starts()) == starts, "no retry right after Ctrl-C"


def test_a_line_starting_with_awsmfa_use_does_not_refresh_first(open_bash, shim, run, sts):
    warm_cache(run, sts)
    sh = open_bash()
    sh.send('eval "$(awsmfa env base)"')
    go_idle(sh)
    sh.send("awsmfa-use base")
    assert sh.var("AWSMFA_PROFILE") == "base"
    assert not refreshes(shim.starts()), shim.starts()


def test_non_interactive_bash_gets_no_debug_trap():
    """A script that sources the file (bench/hook.sh does) keeps its commands free of a trap."""
    out = subprocess.run(["bash", "--norc", "-c", f"source {HOOK}; _awsmfa_hook; trap -p DEBUG; "
                          "echo \"${_awsmfa_pending-none}\"; declare -p preexec_functions"],
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"]}).stdout
    assert out == "none\n"
