"""Prompt hooks in real interactive bash, zsh and fish, driven through tmux: refresh inside the
window, no process while fresh (a PATH shim logs every awsmfa start), $? kept, one install,
failed refresh backs off, Ctrl-C returns to the prompt."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHELLS = ["bash", "zsh", "fish"]


class TmuxShell:
    """An interactive shell in its own tmux server; commands report back through files.
    (test_hostile_sts and test_bash_preexec use it too.)"""

    # Seconds `ask` waits by default, and extra `capture-pane` flags (`-J` joins wrapped lines).
    ask_timeout: float = 30
    capture_flags: tuple[str, ...] = ()

    def __init__(self, shell: str, env: dict, home: Path, rc: str):
        self.shell, self.home, self.n = shell, home, 0
        self.socket = f"awsmfa-test-{uuid.uuid4().hex[:8]}"
        if shell == "bash":
            (home / "bashrc").write_text(rc)
            argv = ["bash", "--noprofile", "--rcfile", str(home / "bashrc"), "-i"]
        elif shell == "zsh":
            (home / ".zshrc").write_text(rc)
            env = dict(env, ZDOTDIR=str(home))
            argv = ["zsh", "-i"]
        else:
            (home / ".config" / "fish").mkdir(parents=True, exist_ok=True)
            (home / ".config" / "fish" / "config.fish").write_text(rc)
            env = dict(env, XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".data"))
            argv = ["fish", "-i"]
        env = dict(env, HOME=str(home), TERM="xterm-256color", PS1="$ ", SHELL=f"/bin/{shell}")
        self.tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "t", "-c", str(home),
                  "env", "-i", *[f"{k}={v}" for k, v in env.items()], *argv)
        self.ask("echo ready")

    def tmux(self, *args) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=True, timeout=20,
                              env={"PATH": os.environ["PATH"], "TMUX_TMPDIR": "/tmp"}).stdout

    def send(self, line: str):
        self.tmux("send-keys", "-t", "t", "-l", line)
        self.tmux("send-keys", "-t", "t", "Enter")

    def ask(self, command: str, timeout: float | None = None) -> str:
        """Runs `command` at the next prompt with stdout to a file; returns what it printed."""
        timeout = self.ask_timeout if timeout is None else timeout
        self.n += 1
        out = self.home / f"answer.{self.n}"
        done = self.home / f"done.{self.n}"
        self.send(f"{command} > {out}; touch {done}")
        deadline = time.time() + timeout
        while not done.exists():
            if time.time() > deadline:
                raise AssertionError(f"{self.shell} did not answer {command!r}:\n{self.screen()}")
            time.sleep(0.05)
        return out.read_text(errors="replace")

    def var(self, name: str) -> str:
        return self.ask(f"printf '%s\\n' \"${name}\"").rstrip("\n")

    def status_of(self, command: str) -> str:
        """The $? a command left, read at the next prompt (so after the hooks ran)."""
        self.send(command)
        return self.ask("echo $status" if self.shell == "fish" else "echo $?").strip()

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", *self.capture_flags, "-t", "t", "-S", "-200")

    def title(self) -> str:
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)
        Path(f"/tmp/tmux-{os.getuid()}/{self.socket}").unlink(missing_ok=True)


def install_line(shell: str) -> str:
    return "awsmfa hook fish | source" if shell == "fish" else f'eval "$(awsmfa hook {shell})"'


def eval_env(shell: str, profile: str) -> str:
    if shell == "fish":
        return f"awsmfa env {profile} --format fish | source"
    return f'eval "$(awsmfa env {profile})"'


def set_expires(shell: str, seconds_left: int) -> str:
    if shell == "fish":
        return f"set -gx AWSMFA_EXPIRES (math (date +%s) + {seconds_left})"
    return f"export AWSMFA_EXPIRES=$((EPOCHSECONDS + {seconds_left}))"


@pytest.fixture
def shim(tmp_path, awsmfa_bin):
    """A directory whose `awsmfa` logs each start (and sleeps first when asked) and execs the
    real front binary."""
    directory = tmp_path / "shim"
    directory.mkdir()
    log = tmp_path / "starts.log"
    script = directory / "awsmfa"
    script.write_text(
        "#!/bin/sh\n"
        f"echo \"$*\" >> {log}\n"
        "if [ -n \"$AWSMFA_TEST_SLOW\" ] && [ \"$1\" = env ]; then sleep 30; fi\n"
        f"exec {awsmfa_bin} \"$@\"\n")
    script.chmod(0o755)

    class Shim:
        path = str(directory)

        @staticmethod
        def starts() -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

    return Shim


@pytest.fixture
def open_shell(tmp_path, aws_home, keyring_name, shim, sts):
    """Starts an interactive shell with the hook installed (plus `extra` rc lines before it)."""
    opened = []

    def _open(shell: str, extra: str = "", installs: int = 1) -> TmuxShell:
        assert shutil.which(shell) and shutil.which("tmux")
        env = dict(aws_home, AWSMFA_KEYRING=keyring_name, PATH=f"{shim.path}:{os.environ['PATH']}",
                   XDG_RUNTIME_DIR=str(tmp_path))
        home = tmp_path / f"home-{shell}"
        home.mkdir(exist_ok=True)
        rc = extra + "\n" + (install_line(shell) + "\n") * installs
        opened.append(TmuxShell(shell, env, home, rc))
        return opened[-1]

    yield _open
    for shell in opened:
        shell.close()


def warm_cache(run, sts):
    """An MFA session for `base` in the test's keyring, so later env calls need no code."""
    done = run("env", "base", "--code", sts.totp(), "--format", "json")
    assert done.returncode == 0, done.stderr


def add_short_role(aws_home, sts):
    """Role credentials of 900 s with a 1000 s window: already inside the window when issued."""
    with open(aws_home["AWS_CONFIG_FILE"], "a") as f:
        f.write(f"\n[profile short]\nrole_arn = {sts.role_arn}\nsource_profile = base\n"
                f"region = {sts.region}\nduration_seconds = 900\nawsmfa_refresh_window = 1000\n")


@pytest.mark.parametrize("shell", SHELLS)
def test_fresh_credentials_start_no_process(shell, open_shell, shim, run, sts):
    warm_cache(run, sts)
    sh = open_shell(shell)
    sh.ask("true")
    assert sh.var("AWSMFA_PROFILE") == ""
    assert shim.starts() == ["hook " + shell], "with no env run, the hook does nothing"
    sh.send(eval_env(shell, "base"))
    assert sh.var("AWSMFA_PROFILE") == "base"
    before = len(shim.starts())
    for _ in range(5):
        sh.send("")
        sh.ask("true")
    assert len(shim.starts()) == before, shim.starts()
    assert sts.count() == 1


@pytest.mark.parametrize("shell", SHELLS)
def test_credentials_near_expiry_are_refreshed_at_the_next_prompt(shell, open_shell, shim, run, sts):
    warm_cache(run, sts)
    sh = open_shell(shell)
    sh.send(eval_env(shell, "base"))
    expires = sh.var("AWSMFA_EXPIRES")
    assert int(expires) > time.time() + 3600
    sh.send(set_expires(shell, 30))
    # The prompt after that line refreshed: the real expiry is back, from one `env` start.
    assert sh.var("AWSMFA_EXPIRES") == expires
    assert shim.starts()[-1] == f"env --hook --format {shell} -- base"
    assert sum(s.startswith("env") for s in shim.starts()) == 2


@pytest.mark.parametrize("shell", SHELLS)
def test_credentials_that_become_due_while_idle_are_refreshed(shell, open_shell, shim, run, sts):
    """The hook's clock runs between prompts (fish's reads /proc/uptime, bash's and zsh's
    EPOCHSECONDS): credentials 4 s short of the window are left alone, then refreshed at the
    first prompt after those seconds passed."""
    warm_cache(run, sts)
    sh = open_shell(shell)
    sh.send(eval_env(shell, "base"))
    expires = sh.var("AWSMFA_EXPIRES")
    sh.send(set_expires(shell, 600 + 4))
    starts = sum(s.startswith("env") for s in shim.starts())
    sh.ask("true")
    assert sum(s.startswith("env") for s in shim.starts()) == starts, "not due yet"
    assert sh.var("AWSMFA_EXPIRES") != expires
    time.sleep(5)
    sh.send("")
    sh.ask("true")
    assert sh.var("AWSMFA_EXPIRES") == expires
    assert sum(s.startswith("env") for s in shim.starts()) == starts + 1


@pytest.mark.parametrize("shell", SHELLS)
def test_role_credentials_renew_from_sts_and_window_comes_from_env(shell, open_shell, run, sts, aws_home):
    warm_cache(run, sts)
    add_short_role(aws_home, sts)
    sh = open_shell(shell)
    sh.send(eval_env(shell, "short") + ("; set -g first $AWS_ACCESS_KEY_ID" if shell == "fish"
                                        else "; first=$AWS_ACCESS_KEY_ID"))
    assert sh.var("AWSMFA_REFRESH_WINDOW") == "1000"
    # The prompt after the eval found the credentials inside the window and renewed them.
    assert sh.var("first") != sh.var("AWS_ACCESS_KEY_ID")
    assert sts.count("AssumeRole") == 2 and sts.count("GetSessionToken") == 1
    # At most one refresh a minute, even though the new ones are inside the window too.
    sh.ask("true")
    assert sts.count("AssumeRole") == 2


@pytest.mark.parametrize("shell", SHELLS)
def test_status_survives_alongside_other_hooks_and_nounset(shell, open_shell, run, sts):
    warm_cache(run, sts)
    # Another hook installed before awsmfa's (as direnv or starship would be), and strict mode.
    other = {
        "bash": "set -u\n_other() { other_saw=$?; }\nPROMPT_COMMAND=(_other)\n",
        "zsh": "setopt nounset\nautoload -Uz add-zsh-hook\n_other() { other_saw=$?; }\n"
               "add-zsh-hook precmd _other\n",
        "fish": "function _other --on-event fish_prompt; set -g other_saw $status; end\n",
    }[shell]
    sh = open_shell(shell, extra=other)
    sh.send(eval_env(shell, "base"))
    sh.send(set_expires(shell, 30))       # the hook refreshes at the prompts that follow
    assert sh.status_of("false") == "1"
    assert sh.status_of("sh -c 'exit 7'") == "7"
    sh.send("sh -c 'exit 5'")
    assert sh.var("other_saw") == "5"
    assert sh.status_of("true") == "0"
    assert "unbound" not in sh.screen() and "parameter not set" not in sh.screen()


@pytest.mark.parametrize("shell", SHELLS)
def test_installing_twice_is_a_no_op(shell, open_shell, shim, run, sts):
    warm_cache(run, sts)
    sh = open_shell(shell, installs=2)
    sh.send(install_line(shell))           # and once more by hand
    probe = {
        "bash": "declare -p PROMPT_COMMAND",
        "zsh": "print -r -- $precmd_functions / $preexec_functions",
        "fish": "functions --handlers-type generic | string match -e awsmfa",
    }[shell]
    shown = sh.ask(probe)
    assert shown.count("_awsmfa_hook") == (2 if shell != "bash" else 1), shown
    if shell == "zsh":
        assert shown.split() == ["_awsmfa_hook", "/", "_awsmfa_hook"]
    sh.send(eval_env(shell, "base"))
    sh.ask("true")
    starts = len(shim.starts())
    sh.send(set_expires(shell, 30))
    sh.ask("true")
    assert shim.starts()[starts:] == [f"env --hook --format {shell} -- base"], "one refresh, not one per install"


@pytest.mark.parametrize("shell", SHELLS)
def test_failed_refresh_leaves_the_environment_and_backs_off(shell, open_shell, shim, run, sts, aws_home,
                                                             tmp_path):
    warm_cache(run, sts)
    add_short_role(aws_home, sts)
    sh = open_shell(shell)
    names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWSMFA_EXPIRES"]
    # The role comes back already inside its window, so the next prompt refreshes; STS fails from
    # the moment the eval is done (the flag), so that refresh is the one that fails.
    flag = tmp_path / "evaluated"
    sh.send(eval_env(shell, "short") + f"; touch {flag}; sleep 2")
    deadline = time.time() + 20
    while not flag.exists():
        assert time.time() < deadline, sh.screen()
        time.sleep(0.05)
    sts.fault("503", action="AssumeRole", count=1000)
    try:
        before = {name: sh.var(name) for name in names}
        assert before["AWS_ACCESS_KEY_ID"].startswith("ASIA")
        starts = len(shim.starts())
        for _ in range(4):
            sh.ask("true")
        assert {name: sh.var(name) for name in names} == before
        assert len(shim.starts()) == starts, "backed off: no new start within the minute"
    finally:
        sts.clear_faults()
    screen = sh.screen()
    failures = [l for l in screen.splitlines() if "could not refresh" in l]
    assert len(failures) == 1 and "short" in failures[0] and "ServiceUnavailable" in failures[0], screen
    assert screen.count("awsmfa:") == 1, screen


@pytest.mark.parametrize("shell", SHELLS)
def test_ctrl_c_during_refresh_returns_to_the_prompt(shell, open_shell, shim, run, sts):
    warm_cache(run, sts)
    sh = open_shell(shell)
    sh.send(eval_env(shell, "base"))
    key = sh.var("AWS_ACCESS_KEY_ID")
    slow = "set -gx AWSMFA_TEST_SLOW 1" if shell == "fish" else "export AWSMFA_TEST_SLOW=1"
    before = len(shim.starts())
    sh.send(slow + "; " + set_expires(shell, 30))
    deadline = time.time() + 10
    # Wait for the hook's own refresh (not the eval's earlier `env base`) to be under way.
    while not any(s.startswith("env --hook") for s in shim.starts()[before:]):
        assert time.time() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.time()
    sh.tmux("send-keys", "-t", "t", "C-c")
    assert sh.var("AWS_ACCESS_KEY_ID") == key
    assert time.time() - started < 5, "the prompt came back at once, not after the 30 s sleep"
    starts = len(shim.starts())
    sh.ask("true")
    assert len(shim.starts()) == starts, "no retry right after Ctrl-C"


@pytest.mark.parametrize("shell", SHELLS)
def test_shell_files_are_the_hook_output(shell, awsmfa_bin):
    printed = subprocess.run([awsmfa_bin, "hook", shell], capture_output=True, text=True, check=True).stdout
    path = ROOT / "shell" / f"awsmfa.{shell}"
    if os.environ.get("AWSMFA_SYNC"):
        path.write_text(printed)
    assert path.read_text() == printed, f"run: awsmfa hook {shell} > shell/awsmfa.{shell}"
    # The full CLI prints the same text for `awsmfa-cli hook`.
    cli = Path(awsmfa_bin).parent / "awsmfa-cli"
    assert subprocess.run([str(cli), "hook", shell], capture_output=True, text=True).stdout == printed
