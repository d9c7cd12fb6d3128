import AWSMFAKit

/// The cached `env` path, served by the front binary without networking, crypto or argument
/// parsing libraries: recognise the simple call shapes, find a fresh session in the store, render.
package enum FastPath {
  /// The parts of an `env` call the fast path understands.
  package struct Request: Equatable, Sendable {
    package var profile: String
    package var format: OutputFormat?

    package init(profile: String, format: OutputFormat? = nil) {
      self.profile = profile
      self.format = format
    }
  }

  /// Recognises `env PROFILE [--format F] [--hook]` (any order, `--format=F` too,
  /// `-- PROFILE`); nil for anything else, which the full CLI then parses and reports.
  package static func recognise(_ arguments: [String]) -> Request? {
    guard arguments.first == "env" else { return nil }
    var profile: String?
    var format: OutputFormat?
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
        // The prompt hook's call: only its failure line differs, and a cache hit cannot fail.
        continue
      } else if word.hasPrefix("-") || profile != nil {
        return nil
      } else {
        profile = word
      }
    }
    guard let profile else { return nil }
    return Request(profile: profile, format: format)
  }

  /// The text `env` prints when `arguments` is a simple `env` call whose credentials are cached
  /// and outside the refresh window; nil when the full CLI must decide.
  package static func cachedEnv(
    arguments: [String], environment: Environment, store: some SessionStore, now: Int64
  ) -> String? {
    guard environment["AWSMFA_NO_CACHE"] == nil, let request = recognise(arguments),
      let memo = resolution(request.profile, environment: environment, store: store, now: now),
      let found = try? store.load(memo.target),
      found.expiresAt - now > Int64(memo.refreshWindow),
      let credentials = SessionCredentials(payload: found.payload)
    else { return nil }
    let exports = Exports(
      credentials: credentials, profile: request.profile, region: memo.region,
      refreshWindow: memo.refreshWindow, environment: environment)
    // A value that cannot be rendered goes to the full CLI, which reports it.
    return try? ShellRenderer.render(
      exports, format: request.format ?? .default(environment: environment))
  }

  /// What the cached path needs of `profile`: the memo while the files and variables it
  /// covers are unchanged, else a resolution from the files (remembered for the next call).
  static func resolution(
    _ name: String, environment: Environment, store: some SessionStore, now: Int64
  ) -> ResolutionMemo? {
    let key = ResolutionMemo.identity(profile: name, environment: environment)
    if let key, let stored = try? store.load(key),
      let memo = ResolutionMemo(payload: stored.payload)
    {
      return memo
    }
    guard let config = try? SharedConfig.load(environment: environment, validate: false),
      let profile = try? config.resolve(name)
    else { return nil }
    let memo = ResolutionMemo(
      target: profile.targetIdentity, region: profile.region,
      refreshWindow: profile.refreshWindow)
    if let key {
      try? store.store(
        key, payload: memo.payload, expiresAt: now + ResolutionMemo.lifetime, now: now)
    }
    return memo
  }
}
