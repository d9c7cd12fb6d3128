# awsmfa prompt hook for zsh: add `eval "$(awsmfa hook zsh)"` to ~/.zshrc.
# Generated: the text of Sources/AWSMFAKit/Shell/HookZsh.swift; `make generate` rewrites
# shell/awsmfa.zsh from it.
# While the credentials `awsmfa env` exported are fresh, each prompt costs a few tests and no
# process; inside the refresh window the hook runs `awsmfa env` again and evals the answer.
# It runs before each prompt (precmd) and before each command (preexec), so a command typed at a
# prompt that sat idle past the window still gets fresh credentials.

zmodload -F zsh/datetime p:EPOCHSECONDS
autoload -Uz add-zsh-hook

# Refreshes the credentials of $AWSMFA_PROFILE; $1 is now in epoch seconds.
_awsmfa_refresh() {
  emulate -L zsh
  local out
  # At most one try a minute; set first, so that a failure or Ctrl-C also waits.
  typeset -g _awsmfa_retry_at=$(($1 + 60))
  # Only stdout is read, and evaluated only after success. stderr is never captured or parsed:
  # it goes to the terminal as awsmfa wrote it (one line, controls made visible; with --hook
  # a failure says when the next try is).
  out=$(command awsmfa env --hook --format zsh -- "$AWSMFA_PROFILE")
  case $? in
    0) [[ -z $out ]] || eval "$out" ;;
    # No code without the user (the MFA session ended): wait for awsmfa-use.
    69) typeset -g _awsmfa_retry_at=9999999999 ;;
  esac
}

# The hook: refreshes inside the window, keeps $?, starts no process otherwise.
_awsmfa_hook() {
  local s=$? expires=${AWSMFA_EXPIRES-} window=${AWSMFA_REFRESH_WINDOW-600}
  if [[ -n ${AWSMFA_PROFILE-} && -n $expires && $expires != *[^0-9]* ]]; then
    [[ -n $window && $window != *[^0-9]* ]] || window=600
    if ((10#$expires - EPOCHSECONDS <= 10#$window && EPOCHSECONDS >= ${_awsmfa_retry_at:-0})); then
      _awsmfa_refresh $EPOCHSECONDS
    fi
  fi
  return s
}

# Exports credentials for a profile: awsmfa-use PROFILE [env options].
awsmfa-use() {
  local out
  out=$(command awsmfa env "$@" --format zsh) || return
  eval "$out"
  typeset -g _awsmfa_retry_at=0
}

# Removes everything awsmfa-use or the hook exported.
awsmfa-off() {
  local out
  out=$(command awsmfa unset --format zsh) || return
  eval "$out"
}

# add-zsh-hook adds a function once, however often this is sourced.
add-zsh-hook precmd _awsmfa_hook
add-zsh-hook preexec _awsmfa_hook
