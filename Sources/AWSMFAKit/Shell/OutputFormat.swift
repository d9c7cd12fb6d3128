#if canImport(Glibc)
  import Glibc
#endif

/// The syntaxes `env` and `unset` can print.
package enum OutputFormat: String, Sendable, CaseIterable {
  case bash, zsh, fish, json, dotenv

  /// The format for the shell that will read the output: the parent process's (`eval "$(…)"`
  /// in bash or a `#!/bin/sh` script, `| source` in fish, direnv's bash), else the login shell
  /// (`$SHELL`) when the parent is no shell (`env`, `sudo`, an editor). fish only for fish, zsh
  /// for zsh, POSIX for every other shell.
  package static func `default`(environment: Environment, parent: String? = parentCommand())
    -> OutputFormat
  {
    if let parent, let format = format(forShell: parent) { return format }
    let shell = environment["SHELL"] ?? ""
    let name = shell.split(separator: "/").last.map(String.init) ?? ""
    return format(forShell: name) ?? .bash
  }

  /// The format for a shell named `name` (a command name, `-bash` for a login shell), or nil
  /// when `name` is not a shell awsmfa knows.
  static func format(forShell name: String) -> OutputFormat? {
    let bare = name.hasPrefix("-") ? String(name.dropFirst()) : name
    switch bare {
    case "fish": return .fish
    case "zsh": return .zsh
    case "bash", "sh", "dash", "ash", "ksh", "mksh", "busybox", "posh", "yash", "direnv":
      return .bash
    default: return nil
    }
  }

  /// The parent process's command name (`/proc/PPID/comm`), or nil.
  package static func parentCommand() -> String? {
    guard case .success(let bytes) = FileIO.readBytes(path: "/proc/\(getppid())/comm") else {
      return nil
    }
    let name = String(decoding: bytes, as: UTF8.self)
    return name.hasSuffix("\n") ? String(name.dropLast()) : name
  }
}
