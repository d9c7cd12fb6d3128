/// The hash algorithm of an OATH credential or of the applet's password key.
package enum OATHAlgorithm: UInt8, Sendable, Equatable {
  case sha1 = 0x01
  case sha256 = 0x02
  case sha512 = 0x03

  /// The HMAC block size; longer secrets are hashed down before PUT (RFC 2104).
  package var blockSize: Int { self == .sha512 ? 128 : 64 }
}

/// HOTP (counter) or TOTP (time) credential.
package enum OATHType: UInt8, Sendable, Equatable {
  case hotp = 0x10
  case totp = 0x20
}

/// A credential's id as stored on the key, `[PERIOD/][ISSUER:]ACCOUNT`, taken apart.
package struct OATHName: Sendable, Equatable {
  /// The id exactly as stored.
  package var raw: String
  /// The TOTP period in seconds: the `NN/` prefix, else 30.
  package var period: Int
  /// The text before the first `:`, if any.
  package var issuer: String?
  /// The rest.
  package var account: String

  package init(_ raw: String) {
    self.raw = raw
    var rest = Substring(raw)
    period = 30
    if let slash = rest.firstIndex(of: "/"), let value = Int(rest[..<slash]), value > 0,
      rest[..<slash].allSatisfy(\.isASCII)
    {
      period = value
      rest = rest[rest.index(after: slash)...]
    }
    if let colon = rest.firstIndex(of: ":") {
      issuer = String(rest[..<colon])
      account = String(rest[rest.index(after: colon)...])
    } else {
      issuer = nil
      account = String(rest)
    }
  }

  /// The id without its period prefix (`ISSUER:ACCOUNT`).
  package var unprefixed: String { issuer.map { $0 + ":" + account } ?? account }
}

/// One credential as CALCULATE ALL reports it.
package struct OATHEntry: Sendable, Equatable {
  package var name: OATHName
  package var type: OATHType
  /// Whether CALCULATE waits for a touch.
  package var touch: Bool
  /// The code CALCULATE ALL computed with its challenge (TOTP without touch only).
  package var code: String?

  package init(name: OATHName, type: OATHType, touch: Bool, code: String?) {
    self.name = name
    self.type = type
    self.touch = touch
    self.code = code
  }
}

/// Turns truncated responses into the digits a person types.
package enum OATHCode {
  /// The code from a truncated response: a digits byte, then four bytes of dynamic truncation.
  package static func format(truncated value: [UInt8]) throws(OATHError) -> String {
    guard value.count == 5, (6...10).contains(value[0]) else {
      throw .malformed("a truncated response of \(value.count) byte(s)")
    }
    let digits = Int(value[0])
    let number = value[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7FFF_FFFF
    var modulus: UInt64 = 1
    for _ in 0..<digits { modulus *= 10 }
    let text = String(number % modulus)
    return String(repeating: "0", count: digits - text.count) + text
  }

  /// The 8-byte big-endian challenge for `time` with a `period`-second step (RFC 6238, T0 = 0).
  package static func challenge(time: Int64, period: Int) -> [UInt8] {
    let step = UInt64(max(0, time) / Int64(max(1, period)))
    return (0..<8).map { UInt8(truncatingIfNeeded: step >> (56 - 8 * $0)) }
  }
}
