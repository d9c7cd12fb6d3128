/// The interactive shells awsmfa has a prompt hook and completion script for.
package enum InteractiveShell: String, Sendable, CaseIterable {
  case bash, zsh, fish
}

/// The prompt hook scripts `awsmfa hook SHELL` prints; `shell/awsmfa.SHELL` holds the same text.
///
/// Each hook refreshes the credentials `env` exported when fewer than `AWSMFA_REFRESH_WINDOW`
/// seconds remain, and starts no process before that. The text lives here, one file per shell,
/// so that the front binary can print it without reading files; a test proves `shell/` agrees.
package enum HookScript {
  /// The hook for `shell`.
  package static func text(for shell: InteractiveShell) -> String {
    switch shell {
    case .bash: return bash
    case .zsh: return zsh
    case .fish: return fish
    }
  }
}
