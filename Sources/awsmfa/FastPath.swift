import AWSMFAKit

/// The cached `env` path, served by the front binary without networking, crypto or argument
/// parsing libraries: recognise the simple call shapes (`EnvCall`), find a fresh session in the
/// store, render.
package enum FastPath {
  /// The text `env` prints when `arguments` is a simple `env` call whose credentials are cached
  /// and outside the refresh window; nil when the full CLI must decide.
  package static func cachedEnv(
    arguments: [String], environment: Environment, store: some SessionStore, now: Int64
  ) -> String? {
    guard environment["AWSMFA_NO_CACHE"] == nil, let request = EnvCall(arguments),
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
