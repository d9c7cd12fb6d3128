/// The simple shapes of an `env` call, `env PROFILE [--format F] [--hook]` (any order,
/// `--format=F` too, `-- PROFILE`), read without an argument parser: the front binary serves
/// them from the cache, and on a miss the full CLI runs them without building its ArgumentParser
/// tree (a test holds both to that tree's reading).
package struct EnvCall: Equatable, Sendable {
  package var profile: String
  package var format: OutputFormat?
  /// The prompt hook's call (`--hook`): only its failure line and deadline differ.
  package var hook: Bool

  package init(profile: String, format: OutputFormat? = nil, hook: Bool = false) {
    self.profile = profile
    self.format = format
    self.hook = hook
  }

  /// Nil for anything but a simple `env` call, which the full CLI then parses and reports.
  package init?(_ arguments: [String]) {
    guard arguments.first == "env" else { return nil }
    var profile: String?
    var format: OutputFormat?
    var hook = false
    var rest = arguments.dropFirst()[...]
    while let word = rest.popFirst() {
      if word == "--" {
        // Everything after `--` is positional: a profile may be named `-e`.
        guard profile == nil, rest.count == 1, let last = rest.popFirst() else { return nil }
        profile = last
      } else if word == "--format" || word == "-f" {
        guard let value = rest.popFirst(), let parsed = OutputFormat(rawValue: value), format == nil
        else { return nil }
        format = parsed
      } else if word.hasPrefix("--format=") {
        guard let parsed = OutputFormat(rawValue: String(word.dropFirst(9))), format == nil else {
          return nil
        }
        format = parsed
      } else if word == "--hook" {
        hook = true
      } else if word.hasPrefix("-") || profile != nil {
        return nil
      } else {
        profile = word
      }
    }
    guard let profile else { return nil }
    self.init(profile: profile, format: format, hook: hook)
  }
}
