// The bash prompt hook, printed by `awsmfa hook bash`; shell/awsmfa.bash is a copy.
extension HookScript {
  /// The bash hook, verbatim.
  static let bash = #"""
    # awsmfa prompt hook for bash: add `eval "$(awsmfa hook bash)"` to ~/.bashrc.
    # While the credentials `awsmfa env` exported are fresh, each prompt costs a few tests and no
    # process; inside the refresh window the hook runs `awsmfa env` again and evals the answer.

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

    # The prompt hook: refreshes inside the window, keeps $?, starts no process otherwise.
    _awsmfa_hook() {
      local status=$? expires=${AWSMFA_EXPIRES-} window=${AWSMFA_REFRESH_WINDOW-600} now=${EPOCHSECONDS-}
      if [[ -n ${AWSMFA_PROFILE-} && $expires == [0-9]* && $expires != *[!0-9]* ]]; then
        [[ -n $now ]] || printf -v now '%(%s)T' -1
        [[ $window == [0-9]* && $window != *[!0-9]* ]] || window=600
        if ((10#$expires - now <= 10#$window && now >= ${_awsmfa_retry_at:-0})); then
          _awsmfa_refresh "$now"
        fi
      fi
      return "$status"
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

    # Install once, in front of other hooks so that they still see the command's $?.
    if [[ ${PROMPT_COMMAND[*]-} != *_awsmfa_hook* ]]; then
      if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) && [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
        PROMPT_COMMAND=(_awsmfa_hook "${PROMPT_COMMAND[@]}")
      else
        PROMPT_COMMAND="_awsmfa_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
      fi
    fi

    """#
}
