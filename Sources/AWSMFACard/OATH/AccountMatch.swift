/// Which OATH credential belongs to a profile, by the rules of `awsmfa_oath_account`.
package enum AccountMatch {
  /// The issuer the AWS console writes into its QR codes.
  package static let awsIssuer = "Amazon Web Services"

  /// The outcome of matching.
  package enum Outcome: Sendable, Equatable {
    case found(OATHName)
    case none
    case several([String])
  }

  /// Matches exactly, never by substring: `oathAccount` when set (nothing else is tried); else a
  /// credential named `mfaSerial`; else the single `Amazon Web Services` credential whose account
  /// is the device name (the ARN's last path part) or `NAME@…`.
  package static func match(_ names: [OATHName], oathAccount: String?, mfaSerial: String?)
    -> Outcome
  {
    if let oathAccount {
      return pick(names.filter { $0.raw == oathAccount || $0.unprefixed == oathAccount })
    }
    guard let mfaSerial else { return .none }
    let bySerial = names.filter { $0.raw == mfaSerial || $0.unprefixed == mfaSerial }
    if !bySerial.isEmpty { return pick(bySerial) }
    let device = deviceName(mfaSerial)
    guard !device.isEmpty else { return .none }
    return pick(
      names.filter { name in
        name.issuer == awsIssuer && (name.account == device || name.account.hasPrefix(device + "@"))
      })
  }

  /// What the error message says was looked for.
  package static func wanted(oathAccount: String?, mfaSerial: String?) -> String {
    if let oathAccount { return "awsmfa_oath_account \"\(oathAccount)\"" }
    guard let mfaSerial else { return "the profile (it has no mfa_serial)" }
    return "mfa_serial \(mfaSerial) (\"\(awsIssuer):\(deviceName(mfaSerial))\" or \"…@…\")"
  }

  /// The MFA device's name: the last path component of `arn:aws:iam::ACCOUNT:mfa/[PATH/]NAME`.
  package static func deviceName(_ serial: String) -> String {
    String(serial.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
  }

  private static func pick(_ found: [OATHName]) -> Outcome {
    switch found.count {
    case 0: return .none
    case 1: return .found(found[0])
    default: return .several(found.map(\.raw))
    }
  }
}
