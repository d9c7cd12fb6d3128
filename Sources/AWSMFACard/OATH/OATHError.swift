import AWSMFAKit

/// Why the OATH applet gave no code; each description is one sentence.
package enum OATHError: Error, HintedError, Sendable, Equatable {
  /// The card or PC/SC failed underneath.
  case card(CardError)
  /// The card has no OATH applet (SELECT answered 6A82): not a YubiKey, or OATH disabled.
  case appletMissing(reader: String)
  /// No reader holds a card with an OATH applet.
  case noYubiKey(readers: [String])
  /// The applet answered a command with an unexpected status word.
  case status(command: String, status: UInt16)
  /// The applet's answer could not be parsed.
  case malformed(String)
  /// SW 6982 while a touch-required credential waited for its touch.
  case touchTimeout(credential: String)
  /// The applet is password-protected and no password (or derived key) was at hand.
  case passwordRequired(key: String)
  /// VALIDATE refused the password (or the remembered key).
  case wrongPassword(key: String)
  /// The card accepted our response but its own did not verify: it does not know the key.
  case cardNotAuthentic(key: String)
  /// The named credential is not on the key.
  case noSuchCredential(String)
  /// The credential exists but is not a TOTP credential.
  case notTOTP(String)
  /// No credential matches the profile.
  case accountNotFound(wanted: String, candidates: [String])
  /// Several credentials match the profile.
  case ambiguousAccount(wanted: String, candidates: [String])
  /// `awsmfa_yubikey_serial` names a key that is not plugged in.
  case serialNotFound(serial: String, found: [String])
  /// More than one plugged-in key holds the account.
  case severalKeys(account: String, serials: [String])

  package var description: String {
    switch self {
    case .card(let error):
      return error.description
    case .appletMissing(let reader):
      return
        "The card in \(reader) has no OATH applet; it is not a YubiKey, or OATH is disabled on it."
    case .noYubiKey(let readers):
      let list = readers.isEmpty ? "none" : readers.joined(separator: ", ")
      return "No YubiKey with an OATH applet is plugged in (readers: \(list))."
    case .status(let command, let status):
      return "The YubiKey refused \(command) with status \(Self.hex(status))."
    case .malformed(let detail):
      return "The YubiKey's OATH answer is malformed: \(detail)."
    case .touchTimeout(let credential):
      return
        "Touch timed out: the YubiKey was not touched in time to give the code of \(credential)."
    case .passwordRequired(let key):
      return
        "The OATH applet of YubiKey \(key) is password-protected and there is no terminal to ask for the password on."
    case .wrongPassword(let key):
      return "Wrong OATH password for YubiKey \(key)."
    case .cardNotAuthentic(let key):
      return "YubiKey \(key) accepted the password but could not prove it knows it; it is refused."
    case .noSuchCredential(let name):
      return "The YubiKey holds no OATH credential named \(name)."
    case .notTOTP(let name):
      return "The OATH credential \(name) is not time-based (TOTP), as AWS MFA needs."
    case .accountNotFound(let wanted, let candidates):
      return
        "No OATH credential on the YubiKey matches \(wanted); it holds: \(Self.list(candidates))."
    case .ambiguousAccount(let wanted, let candidates):
      return
        "Several OATH credentials match \(wanted): \(Self.list(candidates)); set awsmfa_oath_account to one of them."
    case .serialNotFound(let serial, let found):
      return "No YubiKey with serial \(serial) is plugged in (found: \(Self.list(found)))."
    case .severalKeys(let account, let serials):
      return
        "Several YubiKeys hold \(account) (serials \(serials.joined(separator: ", "))); set awsmfa_yubikey_serial to one of them."
    }
  }

  /// What the user can do about it, for the command line to append.
  package var hint: String? {
    if case .card(let error) = self { return error.hint }
    return nil
  }

  static func hex(_ status: UInt16) -> String {
    let text = String(status, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - text.count) + text
  }

  static func list(_ names: [String]) -> String {
    guard !names.isEmpty else { return "nothing" }
    let shown = names.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ")
    return names.count > 12 ? shown + " and \(names.count - 12) more" : shown
  }
}
