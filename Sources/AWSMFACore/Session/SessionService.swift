import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// Cached-or-fresh credentials for a profile: the keyring in front of STS, as a decorator.
///
/// Look up the target's credentials; outside the refresh window they are the answer. Otherwise
/// take the device's refresh lock, look again (another terminal may have refreshed), then reuse or
/// start the MFA session (one per source profile and device) and assume the roles from it.
package struct SessionService: Sendable {
  /// Per-call choices from the command line.
  package struct Options: Sendable {
    package var refresh: Bool
    package var duration: Int?
    /// Also start a new MFA session (a new code or touch), not only new role credentials.
    package var newSession: Bool
    package init(refresh: Bool = false, duration: Int? = nil, newSession: Bool = false) {
      self.refresh = refresh || newSession
      self.duration = duration
      self.newSession = newSession
    }
  }

  /// AWS's cap on a role session assumed with temporary credentials (role chaining).
  package static let chainingCap = 3600
  /// The longest GetSessionToken session the API grants (36 h).
  package static let sessionLifetime = 129600
  /// The longest AssumeRole session the API grants (12 h).
  package static let roleLifetime = 43200
  /// Credentials that expire sooner than this after they arrive are refused.
  package static let minimumLifetime: Int64 = 60

  package var cache: CacheGuard
  package var sts: any STSService
  /// Picks the code source when a code is first needed (a prompt must not appear for a cache hit).
  package var codeSource: @Sendable (ResolvedProfile) throws(MFAError) -> any MFACodeSource
  package var environment: Environment
  package var now: @Sendable () -> Int64
  /// Notes shown with `--verbose`.
  package var note: @Sendable (String) -> Void
  /// Warnings always shown (one line each, on stderr by default).
  package var warn: @Sendable (String) -> Void = { FileIO.write(fd: 2, Visible.text($0) + "\n") }
  /// Seconds to wait for another process's refresh.
  package var lockTimeout: Double = 120
  /// Waits the given seconds (the tests' clock jumps instead).
  package var sleep: @Sendable (Int64) async throws -> Void = { seconds in
    try await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
  }

  package init(
    cache: CacheGuard, sts: any STSService,
    codeSource: @escaping @Sendable (ResolvedProfile) throws(MFAError) -> any MFACodeSource,
    environment: Environment, now: @escaping @Sendable () -> Int64 = { epochNow() },
    note: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.cache = cache
    self.sts = sts
    self.codeSource = codeSource
    self.environment = environment
    self.now = now
    self.note = note
  }

  /// The credentials `env` hands out for `profile`.
  package func credentials(for profile: ResolvedProfile, options: Options = Options()) async throws
    -> SessionCredentials
  {
    let target = profile.targetIdentity
    let usesCache = !options.refresh && options.duration == nil
    if usesCache, let cached = fresh(cache.credentials(target), profile) {
      note(
        "Using cached credentials for \(Quote.human(profile.name)), \(cached.expiration - now()) s left."
      )
      return cached
    }
    let lockName = Fingerprint.of([profile.sourceProfile, profile.mfaSerial ?? "-"])
    let lock = RefreshLock.acquire(
      name: lockName, environment: environment, timeout: lockTimeout, warn: warn)
    if lock == nil { note("Could not take the refresh lock; refreshing without it.") }
    defer { withExtendedLifetime(lock) {} }
    if usesCache, let cached = fresh(cache.credentials(target), profile) {
      note("Another awsmfa refreshed \(Quote.human(profile.name)) meanwhile.")
      return cached
    }
    let credentials = try await fetch(profile, options: options)
    cache.save(target, credentials, now: now())
    note(
      "New credentials \(Redact.key(credentials.accessKeyId)) for \(Quote.human(profile.name)), valid \(credentials.expiration - now()) s."
    )
    return credentials
  }

  private func fetch(_ profile: ResolvedProfile, options: Options) async throws
    -> SessionCredentials
  {
    let keys = SigningCredentials(
      accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey)
    if profile.roles.isEmpty {
      return try await mfaSession(
        profile, duration: options.duration ?? profile.sessionDuration, forceNew: true
      ).credentials
    }
    let requested = options.duration ?? profile.roles.last?.durationSeconds
    let hops = profile.roles[...]
    if let serial = profile.mfaSerial {
      if profile.roles.count == 1, let requested = options.duration, requested > Self.chainingCap,
        let hop = hops.first
      {
        // `--duration` beyond an hour for a single role: assume it straight from the long-term
        // keys with a code, since one assumed with the MFA session is capped at an hour.
        note(
          "Assuming \(hop.roleArn) directly with an MFA code for \(requested) s (beyond the 1 h role-chaining cap)."
        )
        return try await withCode(profile, serial: serial) { code in
          try accepted(
            await sts.assumeRole(
              signer: keys,
              role: parameters(hop, duration: requested, serial: serial, code: code)),
            lifetime: Self.roleLifetime)
        }
      }
      var (session, cached) = try await mfaSession(
        profile, duration: profile.sessionDuration, forceNew: options.newSession)
      do {
        return try await assumeChain(profile, hops, from: session, requested: requested)
      } catch let error as STSError where cached && Self.rejectsSession(error) {
        // A session STS no longer honours (expired early, revoked, keys rotated) would fail the
        // same way at every call: drop it and start one new session, once.
        note("STS rejected the cached MFA session (\(error)); starting a new one.")
        (session, cached) = try await mfaSession(
          profile, duration: profile.sessionDuration, forceNew: true)
        return try await assumeChain(profile, hops, from: session, requested: requested)
      }
    }
    return try await assumeChain(profile, hops, from: nil, requested: requested, keys: keys)
  }

  /// Whether `error` says the signer itself is no good (rather than the role refusing it).
  static func rejectsSession(_ error: STSError) -> Bool {
    guard case .refused(_, let code, _) = error else { return false }
    return ["ExpiredToken", "InvalidClientTokenId", "InvalidToken", "UnrecognizedClientException"]
      .contains(code)
  }

  /// Assumes `hops` in order, starting from the MFA session `session` (or the long-term `keys`).
  private func assumeChain(
    _ profile: ResolvedProfile, _ hops: ArraySlice<RoleHop>, from session: SessionCredentials?,
    requested: Int?, keys: SigningCredentials? = nil
  ) async throws -> SessionCredentials {
    var signer =
      session.map {
        SigningCredentials(
          accessKeyId: $0.accessKeyId, secretAccessKey: $0.secretAccessKey,
          sessionToken: $0.sessionToken)
      } ?? keys
    var temporary = session != nil
    var hops = hops
    var result: SessionCredentials?
    while let hop = hops.popFirst(), let current = signer {
      var duration = hops.isEmpty ? requested : hop.durationSeconds
      if temporary, (duration ?? Self.chainingCap) > Self.chainingCap {
        note(
          "\(hop.roleArn): capped at 1 h, the AWS limit for roles assumed with temporary credentials (role chaining)."
        )
        duration = Self.chainingCap
      }
      let credentials = try accepted(
        await sts.assumeRole(
          signer: current, role: parameters(hop, duration: duration, serial: nil, code: nil)),
        lifetime: Self.roleLifetime)
      signer = SigningCredentials(
        accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken)
      temporary = true
      result = credentials
    }
    guard let result else { throw STSError.malformed(status: 0, detail: "no role to assume") }
    return result
  }

  /// The MFA session of the profile's source identity and device: cached, or a new one.
  func mfaSession(_ profile: ResolvedProfile, duration: Int, forceNew: Bool) async throws
    -> (credentials: SessionCredentials, cached: Bool)
  {
    let identity = profile.sessionIdentity
    if !forceNew, let cached = fresh(cache.credentials(identity), profile) {
      note(
        "Reusing the MFA session of \(Quote.human(profile.sourceProfile)) (\(cached.expiration - now()) s left)."
      )
      return (cached, true)
    }
    let keys = SigningCredentials(
      accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey)
    let credentials: SessionCredentials
    if let serial = profile.mfaSerial {
      credentials = try await withCode(profile, serial: serial) { code in
        try accepted(
          await sts.getSessionToken(
            signer: keys, durationSeconds: duration, serialNumber: serial, tokenCode: code),
          lifetime: Self.sessionLifetime)
      }
    } else {
      credentials = try accepted(
        await sts.getSessionToken(
          signer: keys, durationSeconds: duration, serialNumber: nil, tokenCode: nil),
        lifetime: Self.sessionLifetime)
    }
    cache.save(identity, credentials, now: now())
    return (credentials, false)
  }

  /// Runs `call` with a code never sent before for `serial`; retries once with a later step when
  /// AWS calls the code invalid and reuse is possible (it says the same for both).
  func withCode(
    _ profile: ResolvedProfile, serial: String, _ call: (String) async throws -> SessionCredentials
  ) async throws -> SessionCredentials {
    let source = try codeSource(profile)
    var attempt = 0
    while true {
      attempt += 1
      let step = try await unusedStep(serial: serial, source: source)
      let code = try await source.code(device: serial, profile: profile, step: step)
      note("MFA code \(Redact.key(code)) for time step \(step) from \(source.name).")
      do {
        let credentials = try await call(code)
        cache.recordStep(step, device: serial, now: now())
        return credentials
      } catch let error as STSError {
        if case .refused(_, "AccessDenied", let message) = error,
          message.contains("invalid MFA one time pass code")
        {
          if source.isTyped {
            // A typed code STS refuses was most likely mistyped, not used: the step stays
            // free, and the person is asked once more at once (no wait for a new window).
            Cue.show("awsmfa: STS refused the code; type it again.\n")
            if attempt == 1 { continue }
            throw MFAError.refusedTyped
          }
          // A computed code that STS refuses was used already (by another tool): the step is
          // spent, and the retry takes the next one.
          cache.recordStep(step, device: serial, now: now())
          if attempt == 1, !(source is FixedCodeSource) {
            note("STS refused the code of step \(step); trying once more with a fresh step.")
            continue
          }
        }
        throw error
      }
    }
  }

  /// The TOTP step to use now: the current one, unless it was already sent for this device; then
  /// the next one — computed at once by a card, waited for with any other source.
  func unusedStep(serial: String, source: any MFACodeSource) async throws -> Int64 {
    let current = TOTPStep(time: now()).index
    guard let last = cache.lastStep(device: serial), last >= current, !(source is FixedCodeSource)
    else {
      return current
    }
    // AWS accepts one step either side of now, so a card may use the next step straight away.
    if source.canChooseStep, last == current { return current + 1 }
    let wait = TOTPStep(index: last + 1).start - now()
    if wait > 0 {
      Cue.show(
        "awsmfa: the current MFA code was already used; waiting \(wait) s for the next one…\n")
      try await sleep(wait)
    }
    return max(TOTPStep(time: now()).index, last + 1)
  }

  private func parameters(_ hop: RoleHop, duration: Int?, serial: String?, code: String?)
    -> AssumeRoleParameters
  {
    AssumeRoleParameters(
      roleArn: hop.roleArn, sessionName: hop.sessionName ?? "awsmfa-\(now())",
      externalId: hop.externalId,
      durationSeconds: duration, serialNumber: serial, tokenCode: code)
  }

  /// `credentials` with their expiry capped at what the API grants (`lifetime` seconds from now),
  /// so a far-future date cannot pin a keyring key; refused when already expired or expiring
  /// within a minute, which no real answer is (unless this machine's clock is far off).
  func accepted(_ credentials: SessionCredentials, lifetime: Int) throws(STSError)
    -> SessionCredentials
  {
    let now = now()
    let left = credentials.expiration - now
    guard left > Self.minimumLifetime else {
      throw .malformed(
        status: 200,
        detail:
          "the credentials expire at \(RFC3339.format(credentials.expiration)), \(left <= 0 ? "already past" : "within a minute") by this machine's clock"
      )
    }
    var capped = credentials
    capped.expiration = min(credentials.expiration, now + Int64(lifetime))
    return capped
  }

  private func fresh(_ credentials: SessionCredentials?, _ profile: ResolvedProfile)
    -> SessionCredentials?
  {
    guard let credentials, credentials.expiration - now() > Int64(profile.refreshWindow) else {
      return nil
    }
    return credentials
  }
}
