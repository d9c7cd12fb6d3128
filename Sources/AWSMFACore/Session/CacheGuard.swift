import AWSMFAKit

/// The session store, used until it first fails: then one warning and no cache for this run.
public final class CacheGuard: @unchecked Sendable {
  private var store: (any SessionStore)?
  private let warn: @Sendable (String) -> Void

  public init(store: (any SessionStore)?, warn: @escaping @Sendable (String) -> Void) {
    self.store = store
    self.warn = warn
  }

  /// Whether a store is still in use.
  public var isActive: Bool { store != nil }

  /// Cached credentials for `identity`, or nil (also when the store fails).
  public func credentials(_ identity: SessionIdentity) -> SessionCredentials? {
    guard let payload = attempt({ (store) throws(KeyringError) in try store.load(identity) }) ?? nil
    else { return nil }
    return SessionCredentials(payload: payload.payload)
  }

  /// Caches `credentials` for `identity` until they expire.
  public func save(_ identity: SessionIdentity, _ credentials: SessionCredentials, now: Int64) {
    _ = attempt { (store) throws(KeyringError) in
      try store.store(
        identity, payload: credentials.payload, expiresAt: credentials.expiration, now: now)
    }
  }

  /// The last TOTP step sent for `device`, if remembered.
  public func lastStep(device: String) -> Int64? {
    attempt { (store) throws(KeyringError) in try UsedSteps.last(device: device, store: store) }
      ?? nil
  }

  /// Remembers that `step` was sent for `device` (kept for a few steps, as long as AWS could care).
  public func recordStep(_ step: Int64, device: String, now: Int64) {
    _ = attempt { (store) throws(KeyringError) in
      try UsedSteps.record(step, device: device, store: store, now: now)
    }
  }

  private func attempt<T>(_ body: (any SessionStore) throws(KeyringError) -> T) -> T? {
    guard let store else { return nil }
    do {
      return try body(store)
    } catch {
      self.store = nil
      warn("awsmfa: warning: \(error.description) Continuing without the session cache.")
      return nil
    }
  }
}
