/// The TOTP time steps already sent per MFA device, so that no code is ever sent twice (AWS
/// refuses a reused code with the same message as a wrong one).
package enum UsedSteps {
  /// The keyring identity of `device`'s last used step.
  package static func identity(device: String) -> SessionIdentity {
    SessionIdentity(kind: .step, profile: "-", device: device, fingerprint: "-")
  }

  /// The last step used for `device`, if still remembered.
  package static func last(device: String, store: any SessionStore) throws(KeyringError) -> Int64? {
    try store.load(identity(device: device)).flatMap { Int64($0.payload) }
  }

  /// Remembers `step` for `device` (unless a later one is already remembered), for as long as
  /// AWS could still accept a code of it.
  package static func record(_ step: Int64, device: String, store: any SessionStore, now: Int64)
    throws(KeyringError)
  {
    if let last = try last(device: device, store: store), last >= step { return }
    try store.store(
      identity(device: device), payload: String(step), expiresAt: TOTPStep(index: step + 3).start,
      now: now)
  }
}
