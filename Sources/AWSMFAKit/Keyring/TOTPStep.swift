/// A TOTP time step: the 30-second window a code belongs to (RFC 6238's T with X = 30).
package struct TOTPStep: Sendable, Equatable, Comparable {
  /// Seconds per step, as AWS's virtual MFA devices use them.
  package static let seconds: Int64 = 30
  package var index: Int64

  package init(index: Int64) { self.index = index }

  /// The step `time` (seconds since the epoch) falls in.
  package init(time: Int64) { index = time / Self.seconds }

  /// The step's first second: the time a code for it is calculated at.
  package var start: Int64 { index * Self.seconds }

  package var next: TOTPStep { TOTPStep(index: index + 1) }
  package var previous: TOTPStep { TOTPStep(index: index - 1) }

  package static func < (lhs: TOTPStep, rhs: TOTPStep) -> Bool { lhs.index < rhs.index }
}
