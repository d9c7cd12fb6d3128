internal import CKeyutils

#if canImport(Glibc)
  import Glibc
#endif

/// Sessions in the Linux kernel keyring: user keys inside a keyring named `awsmfa` under `@u`.
///
/// Every keyutils call sits in this file. The key description carries the identity and the
/// expiry, so finding or listing entries reads descriptions only, never a payload it does not use.
package struct KernelKeyring: SessionStore {
  /// Description of awsmfa's own keyring under the user keyring.
  package static let defaultName = "awsmfa"
  /// The keyring's description: `awsmfa`, or `$AWSMFA_KEYRING` (tests use their own).
  package let keyringName: String
  /// Possessor and user get every right; group and other get none.
  static let permissions: key_perm_t = 0x3f3f_0000

  package init(name: String = KernelKeyring.defaultName) {
    keyringName = name
  }

  /// The session store the environment asks for: none with `AWSMFA_NO_CACHE`, else this keyring.
  package static func store(for environment: Environment) -> (any SessionStore)? {
    environment["AWSMFA_NO_CACHE"] == nil ? forEnvironment(environment) : nil
  }

  /// The keyring the environment names.
  package static func forEnvironment(_ environment: Environment) -> KernelKeyring {
    KernelKeyring(name: environment.nonEmpty("AWSMFA_KEYRING") ?? defaultName)
  }

  package func load(_ identity: SessionIdentity) throws(KeyringError) -> (
    payload: String, expiresAt: Int64
  )? {
    guard let ring = try findRing(create: false) else { return nil }
    var match: key_serial_t?
    var matchExpiry: Int64 = 0
    try forEachEntry(ring) { serial, description in
      guard let (found, expiresAt) = Self.parse(description), found == identity else { return true }
      match = serial
      matchExpiry = expiresAt
      return false
    }
    guard let serial = match else { return nil }
    var buffer: UnsafeMutableRawPointer?
    let length: Int
    do throws(SystemError) {
      length = Int(try Syscall.retrying { keyctl_read_alloc(serial, &buffer) })
    } catch {
      // The key went away between the listing and the read: not cached.
      if [EKEYEXPIRED, EKEYREVOKED, ENOKEY].contains(error.code) { return nil }
      throw KeyringError(operation: "read a cached session", code: error.code)
    }
    guard let buffer else { throw KeyringError(operation: "read a cached session", code: EIO) }
    defer {
      // The payload holds secrets: wipe the C buffer before freeing it.
      memset(buffer, 0, Int(length))
      free(buffer)
    }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(length))
    return (String(decoding: bytes, as: UTF8.self), matchExpiry)
  }

  package func store(_ identity: SessionIdentity, payload: String, expiresAt: Int64, now: Int64)
    throws(KeyringError)
  {
    guard let ring = try findRing(create: true) else { return }
    // Linking the ring into this process's keyring makes the key added below "possessed", which
    // setperm needs; without it (no session keyring, or a revoked one) the key would stay
    // readable by the possessor only, and the next run could not read it.
    _ = keyctl_link(ring, KEY_SPEC_PROCESS_KEYRING)
    try remove { $0 == identity }
    let description = identity.keyDescription + ";" + String(expiresAt)
    let bytes = Array(payload.utf8)
    let serial = try Self.call("store a session") {
      bytes.withUnsafeBytes { add_key("user", description, $0.baseAddress, $0.count, ring) }
    }
    do throws(KeyringError) {
      try Self.call("set a key's permissions") { keyctl_setperm(serial, Self.permissions) }
      let timeout = max(1, expiresAt - now)
      try Self.call("set a key's timeout") {
        keyctl_set_timeout(serial, UInt32(clamping: timeout))
      }
    } catch {
      keyctl_unlink(serial, ring)
      throw error
    }
  }

  @discardableResult
  package func remove(where matching: (SessionIdentity) -> Bool) throws(KeyringError) -> Int {
    guard let ring = try findRing(create: false) else { return 0 }
    var removed = 0
    try forEachEntry(ring) { serial, description in
      if let (identity, _) = Self.parse(description), matching(identity),
        keyctl_unlink(serial, ring) == 0
      {
        removed += 1
      }
      return true
    }
    return removed
  }

  package func list() throws(KeyringError) -> [CachedEntry] {
    guard let ring = try findRing(create: false) else { return [] }
    var result: [CachedEntry] = []
    try forEachEntry(ring) { _, description in
      if let (identity, expiresAt) = Self.parse(description) {
        result.append(CachedEntry(identity: identity, expiresAt: expiresAt))
      }
      return true
    }
    return result
  }

  /// Unlinks every awsmfa key whose expiry has passed (the kernel's GC is lazy; quota is small).
  package func evictExpired(now: Int64) {
    guard let ring = try? findRing(create: false) else { return }
    try? forEachEntry(ring) { serial, description in
      if let (_, expiresAt) = Self.parse(description), expiresAt <= now {
        keyctl_unlink(serial, ring)
      }
      return true
    }
  }

  static func parse(_ description: String) -> (SessionIdentity, Int64)? {
    guard let semicolon = description.lastIndex(of: ";"),
      let expiresAt = Int64(description[description.index(after: semicolon)...]),
      let identity = SessionIdentity(keyDescription: String(description[..<semicolon]))
    else { return nil }
    return (identity, expiresAt)
  }

  private func findRing(create: Bool) throws(KeyringError) -> key_serial_t? {
    do throws(SystemError) {
      let found = try Syscall.retrying {
        keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", keyringName, 0)
      }
      return key_serial_t(found)
    } catch {
      guard [ENOKEY, EKEYEXPIRED, EKEYREVOKED].contains(error.code) else {
        throw KeyringError(operation: "open the user keyring", code: error.code)
      }
    }
    guard create else { return nil }
    // Created in the process keyring (so this process possesses it and may set its permissions),
    // then linked under @u, where later runs find it.
    let ring = try Self.call("create awsmfa's keyring") {
      add_key("keyring", keyringName, nil, 0, KEY_SPEC_PROCESS_KEYRING)
    }
    try Self.call("set the permissions of awsmfa's keyring") {
      keyctl_setperm(ring, Self.permissions)
    }
    try Self.call("link awsmfa's keyring under the user keyring") {
      keyctl_link(ring, KEY_SPEC_USER_KEYRING)
    }
    return ring
  }

  /// A keyring call through `Syscall`: EINTR retried, a failure as the KeyringError of
  /// `operation`.
  @discardableResult
  private static func call<Value: BinaryInteger>(_ operation: String, _ body: () -> Value)
    throws(KeyringError) -> Value
  {
    do {
      return try Syscall.retrying(body)
    } catch {
      throw KeyringError(operation: operation, code: error.code)
    }
  }

  /// Calls `body` with each key linked in `ring` and its description (expired and foreign ones
  /// skipped) until it returns false.
  private func forEachEntry(_ ring: key_serial_t, _ body: (key_serial_t, String) -> Bool)
    throws(KeyringError)
  {
    var buffer: UnsafeMutableRawPointer?
    let length = try Self.call("read awsmfa's keyring") { keyctl_read_alloc(ring, &buffer) }
    guard let buffer else { throw KeyringError(operation: "read awsmfa's keyring", code: EIO) }
    defer { free(buffer) }
    let count = Int(length) / MemoryLayout<key_serial_t>.size
    let serials = buffer.bindMemory(to: key_serial_t.self, capacity: count)
    for index in 0..<count {
      var text: UnsafeMutablePointer<CChar>?
      guard keyctl_describe_alloc(serials[index], &text) >= 0, let text else { continue }
      defer { free(text) }
      // "type;uid;gid;perm;description": the description may itself contain semicolons.
      let full = String(cString: text)
      let parts = full.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
      guard parts.count == 5, parts[0] == "user" else { continue }
      if !body(serials[index], String(parts[4])) { return }
    }
  }
}
