import AWSMFAKit

/// Codes straight from a YubiKey's OATH applet over PC/SC.
///
/// A card computes any time step on request (the step is just CALCULATE's challenge), so the
/// session service may ask for the next step instead of waiting for it.
package final class YubiKeyCodeSource: MFACodeSource, @unchecked Sendable {
  // @unchecked: its peers hold plain closures (terminal, cue); one code is asked at a time.
  /// Everything outside the card: terminal, keyring, cue and clock.
  package struct Peers {
    /// Opens the PC/SC directory (a fake in tests).
    package var directory: () throws(CardError) -> any CardDirectory = { () throws(CardError) in
      try PCSCContext()
    }
    /// Where derived OATH password keys are remembered; nil for no memory.
    package var store: (any SessionStore)?
    /// Asks for a password without echo; nil when there is no terminal or no answer.
    package var askPassword: (String) -> String? = { prompt in
      Terminal.open()?.ask(prompt, echo: false)
    }
    /// Shows the touch cue (terminal, else stderr; never stdout).
    package var cue: @Sendable (String) -> Void = { Cue.show($0) }
    package var now: () -> Int64 = { epochNow() }
    /// How long a remembered password key lives.
    package var keyLifetime: Int64 = 12 * 3600

    package init(store: (any SessionStore)?) {
      self.store = store
    }
  }

  /// The located key and credential.
  package let key: OATHKey
  let cue: @Sendable (String) -> Void

  init(key: OATHKey, cue: @escaping @Sendable (String) -> Void) {
    self.key = key
    self.cue = cue
  }

  package var name: String { key.label }
  package var canChooseStep: Bool { true }
  /// The credential's TOTP period in seconds.
  package var period: Int { key.entry.name.period }

  package func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError)
    -> String
  {
    do {
      return try calculate(at: TOTPStep(index: step).start)
    } catch {
      throw Self.mfaError(error)
    }
  }

  /// The credential's code for the time step containing `time` (seconds since the epoch).
  package func calculate(at time: Int64) throws(OATHError) -> String {
    try key.code(at: time, cue: cue)
  }

  /// Finds the key holding the profile's credential. `.absent` when pcscd, a reader or such a key
  /// is missing (another source may then be used); throws when a key was found but failed.
  package static func locate(profile: ResolvedProfile, peers: Peers) throws(OATHError)
    -> KeyLocator.Lookup
  {
    let directory: any CardDirectory
    do {
      directory = try peers.directory()
    } catch {
      return .absent(.card(error))
    }
    let locator = KeyLocator(
      profile: profile,
      unlock: { (session, selection) throws(OATHError) in
        try unlock(session, selection, peers: peers)
      })
    return try locator.locate(in: directory, time: peers.now())
  }

  /// The code source for `profile`, or nil when no key holds its credential.
  package static func find(profile: ResolvedProfile, peers: Peers) throws(MFAError)
    -> YubiKeyCodeSource?
  {
    do {
      guard case .found(let key) = try locate(profile: profile, peers: peers) else { return nil }
      return YubiKeyCodeSource(key: key, cue: peers.cue)
    } catch {
      throw mfaError(error)
    }
  }

  /// The source for `key`, as `locate` found it.
  package static func using(_ key: OATHKey, peers: Peers) -> YubiKeyCodeSource {
    YubiKeyCodeSource(key: key, cue: peers.cue)
  }

  /// The one-line message for an OATH failure, with its hint.
  package static func mfaError(_ error: OATHError) -> MFAError {
    .card(error.line)
  }

  /// VALIDATE with the remembered key; else ask once, and remember the derived key (not the password).
  static func unlock(_ session: OATHSession, _ first: OATHSelection, peers: Peers) throws(OATHError)
  {
    var selection = first
    let identity = SessionIdentity(
      kind: .oathkey, profile: "-", device: selection.deviceID, fingerprint: "-")
    if let stored = try? peers.store?.load(identity), let key = Hex.decode(stored.payload) {
      do {
        try session.validate(key: key, selection: selection)
        return
      } catch .wrongPassword {
        // The password changed since: forget the old key, and start over for a fresh challenge.
        _ = try? peers.store?.remove { $0 == identity }
        selection = try session.select()
      }
    }
    guard let password = peers.askPassword("Password for the OATH applet of \(session.label): ")
    else {
      throw .passwordRequired(key: session.label)
    }
    let key = OATHPassword.deriveKey(password: password, salt: selection.salt)
    do {
      try session.validate(key: key, selection: selection)
    } catch {
      _ = try? peers.store?.remove { $0 == identity }
      throw error
    }
    let now = peers.now()
    try? peers.store?.store(
      identity, payload: Hex.encode(key), expiresAt: now + peers.keyLifetime, now: now)
  }
}

/// Lower-case hex, for derived keys in the keyring.
enum Hex {
  static func encode(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
  }

  static func decode(_ text: String) -> [UInt8]? {
    let characters = Array(text.utf8)
    guard characters.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    for index in stride(from: 0, to: characters.count, by: 2) {
      guard
        let value = UInt8(String(decoding: characters[index..<index + 2], as: UTF8.self), radix: 16)
      else {
        return nil
      }
      out.append(value)
    }
    return out
  }
}
