# awsmfa prompt hook for bash: add `eval "$(awsmfa hook bash)"` to ~/.bashrc.
# Generated: the text of Sources/AWSMFAKit/Shell/HookBash.swift; `make generate` rewrites
# shell/awsmfa.bash from it.
# While the credentials `awsmfa env` exported are fresh, each prompt costs a few tests and no
# process; inside the refresh window the hook runs `awsmfa env` again and evals the answer.
# It runs before each prompt (PROMPT_COMMAND) and before the first command of each line typed at
# the prompt (bash-preexec's preexec_functions when it is loaded, else the DEBUG trap), so a
# command typed at a prompt that sat idle past the window still gets fresh credentials.

# Refreshes the credentials of $AWSMFA_PROFILE; $1 is now in epoch seconds.
_awsmfa_refresh() {
  local out
  # At most one try a minute; set first, so that a failure or Ctrl-C also waits.
  _awsmfa_retry_at=$(($1 + 60))
  # Only stdout is read, and evaluated only after success. stderr is never captured or parsed:
  # it goes to the terminal as awsmfa wrote it (one line, controls made visible; with --hook
  # a failure says when the next try is).
  out=$(command awsmfa env --hook --format bash -- "$AWSMFA_PROFILE")
  case $? in
    0) [[ -z $out ]] || eval "$out" ;;
    # No code without the user (the MFA session ended): wait for awsmfa-use.
    69) _awsmfa_retry_at=9999999999 ;;
  esac
}

# The prompt hook: refreshes inside the window, keeps $?, starts no process otherwise. At the
# first prompt after this file was read, $1 is `trap -p DEBUG` (see the end of the file).
# shellcheck disable=SC2120 # PROMPT_COMMAND passes $1, below.
_awsmfa_hook() {
  local status=$? expires=${AWSMFA_EXPIRES-} window=${AWSMFA_REFRESH_WINDOW-600} now=${EPOCHSECONDS-}
  [[ -z ${_awsmfa_pending-} ]] || _awsmfa_install "${1-}"
  if [[ -n ${AWSMFA_PROFILE-} && $expires == [0-9]* && $expires != *[!0-9]* ]]; then
    [[ -n $now ]] || printf -v now '%(%s)T' -1
    [[ $window == [0-9]* && $window != *[!0-9]* ]] || window=600
    if ((10#$expires - now <= 10#$window && now >= ${_awsmfa_retry_at:-0})); then
      _awsmfa_refresh "$now"
    fi
  fi
  return "$status"
}

# The command hook: the prompt hook's test once per line typed at the prompt, before its first
# command. Lines are told apart by their number, the prompt escape in $_awsmfa_n (backslash,
# hash) expanded by ${...@P}: it counts the lines read at the prompt, and stays the same for
# PROMPT_COMMAND, completion, key bindings, the functions and subshells a line runs and the
# rest of the line. Not in a subshell (set -T), nor at the prompt hook (a line that was only a
# subshell runs no DEBUG trap in this shell), nor when the line starts with awsmfa-use or
# awsmfa-off, which set the credentials themselves.
# Returns 0: a preexec function or DEBUG trap that fails stops the command under extdebug.
_awsmfa_preexec() {
  local line=${_awsmfa_n@P}
  [[ $line != "${_awsmfa_line-}" ]] || return 0
  _awsmfa_line=$line
  case $BASH_COMMAND in
    _awsmfa_hook | _awsmfa_hook[[:space:]]* | awsmfa-use | awsmfa-use[[:space:]]* | awsmfa-off | awsmfa-off[[:space:]]*) ;;
    *) [[ -n ${COMP_LINE-} ]] || ((BASH_SUBSHELL)) || _awsmfa_hook ;;
  esac
  return 0
}

# Runs _awsmfa_preexec from the DEBUG trap. $1 is the status the trap must end with (0, or that
# of the handler that was there before ours and runs first), $2 the command's $_, passed last so
# that bash sets $_ back to it.
_awsmfa_debug() {
  _awsmfa_preexec
  return "$1"
}

# Exports credentials for a profile: awsmfa-use PROFILE [env options].
awsmfa-use() {
  local out
  out=$(command awsmfa env "$@" --format bash) || return
  eval "$out"
  _awsmfa_retry_at=0
}

# Removes everything awsmfa-use or the hook exported.
awsmfa-off() {
  local out
  out=$(command awsmfa unset --format bash) || return
  eval "$out"
}

# Puts the command hook in place, once, with bash-preexec (preexec_functions) when it is loaded,
# else in the DEBUG trap after the handler already there, whose text is $1 (`trap -p DEBUG`):
# that handler runs first, so it still sees the command's $?, $_ and BASH_COMMAND, and its status
# still decides under extdebug. Without one the trap costs one test and no call. PS0 is untouched.
_awsmfa_install() {
  local -a old
  unset _awsmfa_pending
  _awsmfa_line=${_awsmfa_n@P}
  if declare -F __bp_install >/dev/null || declare -p preexec_functions >/dev/null 2>&1; then
    [[ " ${preexec_functions[*]-} " == *" _awsmfa_preexec "* ]] || preexec_functions+=(_awsmfa_preexec)
  elif [[ $1 != *_awsmfa_debug* ]]; then
    eval "old=(${1:-trap -- '' DEBUG})"
    if [[ -n ${old[2]-} ]]; then
      trap -- "${old[2]}"$'\n''_awsmfa_debug "$?" "$_"' DEBUG
    else
      trap -- '[[ ${_awsmfa_n@P} == "${_awsmfa_line-}" ]] || _awsmfa_debug 0 "$_"' DEBUG
    fi
  fi
}

# Install once, in front of other hooks so that they still see the command's $?. The command
# hook (interactive bash 4.4 or later, for @P) is put in place at the first prompt, when the rest
# of the rc file has run: the DEBUG trap is read there, in PROMPT_COMMAND, because a function or
# a sourced file does not see it. The $(...) is expanded at that prompt only.
if [[ $- == *i* ]] && ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)); then
  _awsmfa_n='\'#
  _awsmfa_pending=1
fi
if [[ ${PROMPT_COMMAND[*]-} != *_awsmfa_hook* ]]; then
  _awsmfa_pc='_awsmfa_hook ${_awsmfa_pending:+"$(trap -p DEBUG)"}'
  if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) && [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
    PROMPT_COMMAND=("$_awsmfa_pc" "${PROMPT_COMMAND[@]}")
  else
    # shellcheck disable=SC2128,SC2178 # a string before bash 5.1, or one that is not an array
    PROMPT_COMMAND="$_awsmfa_pc${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
  unset _awsmfa_pc
fi
