// The fish prompt hook, printed by `awsmfa hook fish`; shell/awsmfa.fish is a copy.
extension HookScript {
  /// The fish hook, verbatim.
  static let fish = #"""
    # awsmfa prompt hook for fish: add `awsmfa hook fish | source` to ~/.config/fish/config.fish.
    # Generated: the text of Sources/AWSMFAKit/Shell/HookFish.swift; `make generate` rewrites
    # shell/awsmfa.fish from it.
    # While the credentials `awsmfa env` exported are fresh, each prompt costs a few builtins and no
    # process; inside the refresh window the hook runs `awsmfa env` again and sources the answer.

    # Refreshes the credentials of $AWSMFA_PROFILE; $argv[1] is now in epoch seconds.
    function __awsmfa_refresh
        # At most one try a minute; set first, so that a failure or Ctrl-C also waits.
        set -g __awsmfa_retry_at (math $argv[1] + 60)
        # Only stdout is read, and sourced only after success. stderr is never captured or
        # parsed: it goes to the terminal as awsmfa wrote it (one line, controls made visible;
        # with --hook a failure says when the next try is). No line is a marker.
        set -l out (command awsmfa env --hook --format fish -- $AWSMFA_PROFILE)
        switch $status
            case 0
                set -q out[1]; and string join \n -- $out | source
            case 69
                # No code without the user (the MFA session ended): wait for awsmfa-use.
                set -g __awsmfa_retry_at 9999999999
        end
    end

    # The clock: fish has no $EPOCHSECONDS, and a command substitution costs about 150 µs. The
    # seconds since boot in /proc/uptime (suspended time included), read by `read` from a
    # redirection, cost neither a fork nor a substitution: the refresh is due once they reach a
    # threshold computed when the credentials change, from the wall clock, which `path mtime
    # --relative` (a builtin, fish >= 3.5) gives as the age of the fish binary (its mtime changes
    # only on upgrade). Without a readable /proc/uptime that age is the per-prompt clock instead.
    set -g __awsmfa_clock (status fish-path)

    # The hook, before each prompt and each command: refreshes inside the window.
    function __awsmfa_hook --on-event fish_prompt --on-event fish_preexec
        set -q AWSMFA_EXPIRES[1] AWSMFA_PROFILE[1]; or return
        if test "$AWSMFA_EXPIRES $AWSMFA_REFRESH_WINDOW" != "$__awsmfa_seen"
            set -g __awsmfa_seen "$AWSMFA_EXPIRES $AWSMFA_REFRESH_WINDOW"
            set -g __awsmfa_due 9999999999
            string match -qr '^[0-9]+$' -- $AWSMFA_EXPIRES; or return
            set -l window 600
            string match -qr '^[0-9]+$' -- "$AWSMFA_REFRESH_WINDOW"; and set window $AWSMFA_REFRESH_WINDOW
            set -l epoch (path mtime $__awsmfa_clock)
            set -g __awsmfa_due (math $AWSMFA_EXPIRES - $window - $epoch)
            if read -d . -l up rest </proc/uptime 2>/dev/null; and string match -qr '^[0-9]+$' -- $up
                set -g __awsmfa_due (math $__awsmfa_due + $up - (path mtime --relative $__awsmfa_clock))
                set -g __awsmfa_by_uptime 1
            else
                set -e __awsmfa_by_uptime
            end
        end
        if set -q __awsmfa_by_uptime
            read -d . -l up rest </proc/uptime
            test "$up" -lt $__awsmfa_due; and return
        else
            test (path mtime --relative $__awsmfa_clock) -lt $__awsmfa_due; and return
        end
        set -l now (math (path mtime $__awsmfa_clock) + (path mtime --relative $__awsmfa_clock))
        set -q __awsmfa_retry_at; and test $now -lt $__awsmfa_retry_at; and return
        __awsmfa_refresh $now
    end

    # Exports credentials for a profile: awsmfa-use PROFILE [env options].
    function awsmfa-use --description 'Export AWS credentials for a profile with awsmfa'
        set -l out (command awsmfa env $argv --format fish); or return
        string join \n -- $out | source
        set -g __awsmfa_retry_at 0
    end

    # Removes everything awsmfa-use or the hook exported.
    function awsmfa-off --description 'Remove the AWS credentials awsmfa exported'
        set -l out (command awsmfa unset --format fish); or return
        string join \n -- $out | source
    end

    """#
}
