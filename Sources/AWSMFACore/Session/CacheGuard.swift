import AWSMFAKit
import Synchronization

/// The session store, used until it first fails: then one warning and no cache for this run.
/// The credential server's requests share one guard, so dropping the store is done under a lock.
package final class CacheGuard: Sendable {
  private let current: Mutex<(any SessionStore)?>
  private let warn: @Sendable (String) -> Void

  package init(store: (any SessionStore)?, warn: @escaping @Sendable (String) -> Void) {
    current = Mutex(store)
    self.warn = warn
  }

  /// Whether a store is still in use.
  package var isActive: Bool { current.withLock { $0 != nil } }

  /// Cached credentials for `identity`, or nil (also when the store fails).
  package func credentials(_ identity: SessionIdentity) -> SessionCredentials? {
    guard let payload = attempt({ (store) throws(KeyringError) in try store.load(identity) }) ?? nil
    else { return nil }
    return SessionCredentials(payload: payload.payload)
  }

  /// Caches `credentials` for `identity` until they expire.
  package func save(_ identity: SessionIdentity, _ credentials: SessionCredentials, now: Int64) {
    _ = attempt { (store) throws(KeyringError) in
      try store.store(
        identity, payload: credentials.payload, expiresAt: credentials.expiration, now: now)
    }
  }

  /// The last TOTP step sent for `device`, if remembered.
  package func lastStep(device: String) -> Int64? {
    attempt { (store) throws(KeyringError) in try UsedSteps.last(device: device, store: store) }
      ?? nil
  }

  /// Remembers that `step` was sent for `device` (kept for a few steps, as long as AWS could care).
  package func recordStep(_ step: Int64, device: String, now: Int64) {
    _ = attempt { (store) throws(KeyringError) in
      try UsedSteps.record(step, device: device, store: store, now: now)
    }
  }

  private func attempt<T>(_ body: (any SessionStore) throws(KeyringError) -> T) -> T? {
    guard let store = current.withLock({ $0 }) else { return nil }
    do {
      return try body(store)
    } catch {
      // Only the first failure warns, whichever request saw it.
      let first = current.withLock { held -> Bool in
        defer { held = nil }
        return held != nil
      }
      if first {
        warn("awsmfa: warning: \(error.description) Continuing without the session cache.")
      }
      return nil
    }
  }
}
