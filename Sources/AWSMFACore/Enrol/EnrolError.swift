import AWSMFAKit

/// Why a device could not be enrolled, imported or resynced; each description is one sentence.
package enum EnrolError: Error, Sendable, CustomStringConvertible {
  /// The profile's keys belong to the account's root user.
  case rootUser(account: String)
  /// The profile's keys belong to something that is not an IAM user.
  case notUser(arn: String)
  /// The YubiKey already holds a credential of that name.
  case credentialExists(name: String, key: String)
  /// Several YubiKeys are plugged in and none was chosen.
  case severalKeys([String])
  /// A secret key that is not base32.
  case badSecret
  /// The profile names no MFA device to resync.
  case noDevice(profile: String)
  /// The YubiKey failed.
  case card(OATHError)
  /// A step after CreateVirtualMFADevice failed; what was undone, and what could not be.
  indirect case failed(cause: any Error, undone: [String], leftover: [String])

  package var description: String {
    switch self {
    case .rootUser(let account):
      return
        "The profile's keys belong to the root user of account \(account), whose MFA device AWS lets you assign only in the console: choose \"Assign MFA device\" under Security credentials, \"Show secret key\", and run `awsmfa device import` to put it on the YubiKey and get the two codes."
    case .notUser(let arn):
      return
        "The profile's keys sign as \(arn), which is not an IAM user; enrolment needs a user's long-term access keys."
    case .credentialExists(let name, let key):
      return
        "\(key) already holds an OATH credential named \(Quote.human(name)); pass --force to replace it."
    case .severalKeys(let serials):
      return
        "Several YubiKeys are plugged in (\(serials.joined(separator: ", "))); choose one with --yubikey SERIAL."
    case .badSecret:
      return "The secret key is not base32 (letters A-Z and digits 2-7, at least 16 of them)."
    case .noDevice(let profile):
      return "Profile \(Quote.human(profile)) has no mfa_serial to resync."
    case .card(let error):
      return error.line
    case .failed(let cause, let undone, let leftover):
      var text = Self.sentence(cause)
      text +=
        undone.isEmpty ? " Nothing needed undoing." : " Undone: \(undone.joined(separator: "; "))."
      if !leftover.isEmpty {
        text += " NOT undone, remove by hand: \(leftover.joined(separator: "; "))."
      }
      return text
    }
  }

  /// The underlying error that picks the exit code.
  package var cause: any Error {
    switch self {
    case .failed(let cause, _, _): return (cause as? EnrolError)?.cause ?? cause
    case .card(let error): return error
    default: return self
    }
  }

  static func sentence(_ error: any Error) -> String {
    if let error = error as? OATHError {
      return error.line
    }
    return String(describing: error)
  }
}
