/// A cached entry as listed: its identity and expiry, known without reading the secret.
package struct CachedEntry: Sendable, Equatable {
  package var identity: SessionIdentity
  /// Expiry in seconds since the epoch.
  package var expiresAt: Int64

  package init(identity: SessionIdentity, expiresAt: Int64) {
    self.identity = identity
    self.expiresAt = expiresAt
  }
}

/// Where sessions are cached between runs (the kernel keyring, or a fake in tests).
package protocol SessionStore: Sendable {
  /// The payload and expiry of the live entry for `identity`, if any.
  func load(_ identity: SessionIdentity) throws(KeyringError) -> (
    payload: String, expiresAt: Int64
  )?
  /// Replaces the entry for `identity`; it vanishes by itself at `expiresAt`.
  func store(_ identity: SessionIdentity, payload: String, expiresAt: Int64, now: Int64)
    throws(KeyringError)
  /// Removes every entry whose identity satisfies `matching`; returns how many.
  @discardableResult
  func remove(where matching: (SessionIdentity) -> Bool) throws(KeyringError) -> Int
  /// Every live entry, from descriptions only.
  func list() throws(KeyringError) -> [CachedEntry]
}

/// Why the keyring could not be used; each description is one sentence.
package struct KeyringError: Error, Sendable, Equatable, CustomStringConvertible {
  package var operation: String
  package var code: Int32

  package init(operation: String, code: Int32) {
    self.operation = operation
    self.code = code
  }

  package var description: String {
    "The kernel keyring refused to \(operation): \(KeyringError.explain(code))."
  }

  static func explain(_ code: Int32) -> String {
    SystemError.explain(code) ?? "error \(code)"
  }
}
