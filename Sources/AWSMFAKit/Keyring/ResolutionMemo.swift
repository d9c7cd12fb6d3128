#if canImport(Glibc)
  import Glibc
#endif

/// What the cached `env` needs from a profile's resolution (the keyring identity of its
/// credentials, its region and refresh window), remembered in the keyring under a key whose
/// fingerprint covers everything the resolution read: both files' inode, size, modification and
/// change times, and the environment variables that steer it. While none of those changed, the
/// answer is the same, so a cached `env` costs two `stat` calls instead of reading a config file
/// of 10 000 profiles; any change is another fingerprint, hence a miss and a fresh resolution.
package struct ResolutionMemo: Sendable, Equatable {
  package var target: SessionIdentity
  package var region: String?
  package var refreshWindow: Int

  package init(target: SessionIdentity, region: String?, refreshWindow: Int) {
    self.target = target
    self.region = region
    self.refreshWindow = refreshWindow
  }

  /// How long a memo stays (it is only ever a shortcut).
  package static let lifetime: Int64 = 86400

  /// Variables whose value can change a resolution or its endpoint scope.
  static let variables = [
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HOME", "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_STS_REGIONAL_ENDPOINTS",
  ]

  /// The keyring identity of the memo for `profile` under `environment`; nil when a file cannot
  /// be examined (the memo is then not used).
  package static func identity(profile: String, environment: Environment) -> SessionIdentity? {
    let (config, credentials) = SharedConfig.paths(environment: environment)
    guard let first = stamp(config), let second = stamp(credentials) else { return nil }
    var parts = [profile, first, second]
    for name in variables { parts.append(environment[name].map { "=" + $0 } ?? "-") }
    return SessionIdentity(
      kind: .resolution, profile: profile, device: "-", fingerprint: Fingerprint.of(parts))
  }

  /// A file's identity and times, or `absent`; nil when it cannot be examined.
  static func stamp(_ path: String) -> String? {
    var info = stat()
    guard !path.isEmpty, stat(path, &info) == 0 else {
      return errno == ENOENT || path.isEmpty ? "absent" : nil
    }
    return
      "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):"
      + "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
  }

  /// The memo's payload.
  package var payload: String {
    "{\"t\":" + JSONText.quote(target.keyDescription) + ",\"r\":"
      + JSONText.quote(region ?? "") + ",\"h\":\(region == nil ? 0 : 1),\"w\":\(refreshWindow)}"
  }

  /// Reads a payload written by `payload`.
  package init?(payload: String) {
    var target: SessionIdentity?
    var region = ""
    var hasRegion: Int64 = 0
    var window: Int64?
    let complete = JSONText.forEachField(payload) { key, value in
      switch (key, value) {
      case ("t", .string(let text)): target = SessionIdentity(keyDescription: text)
      case ("r", .string(let text)): region = text
      case ("h", .number(let number)): hasRegion = number
      case ("w", .number(let number)): window = number
      default: break
      }
    }
    guard complete, let target, let window else { return nil }
    self.init(
      target: target, region: hasRegion == 1 ? region : nil, refreshWindow: Int(window))
  }
}
