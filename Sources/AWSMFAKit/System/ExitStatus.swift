/// The exit statuses of both binaries, as the README's table documents them: the one place they
/// are defined (the front binary links no Foundation and no argument parser, so it lives here).
package enum ExitStatus {
  package static let usage: Int32 = 64
  /// No MFA code: no terminal and no other source, mfa_process failed, a YubiKey problem.
  package static let noCode: Int32 = 69
  package static let internalError: Int32 = 70
  /// Input/output: the keyring, or standard output could not be written (a closed pipe).
  package static let io: Int32 = 74
  package static let unavailable: Int32 = 75
  package static let protocolError: Int32 = 76
  package static let refused: Int32 = 77
  package static let config: Int32 = 78
  package static let interrupted: Int32 = 130
}

/// An error whose one-line message may end with what to do about it.
package protocol HintedError: Error, CustomStringConvertible {
  /// What to do, in one sentence, or nil.
  var hint: String? { get }
}

extension HintedError {
  /// The message and its hint: the line printed after `awsmfa: `.
  package var line: String { description + (hint.map { " " + $0 } ?? "") }
}
