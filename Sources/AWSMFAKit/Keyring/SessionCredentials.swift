/// Temporary AWS credentials with their expiry, as cached and as exported.
package struct SessionCredentials: Sendable, Equatable {
  package var accessKeyId: String
  package var secretAccessKey: String
  package var sessionToken: String
  /// Expiry in seconds since the epoch.
  package var expiration: Int64

  package init(
    accessKeyId: String, secretAccessKey: String, sessionToken: String, expiration: Int64
  ) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
    self.expiration = expiration
  }

  /// The small JSON object stored as the key's payload.
  package var payload: String {
    "{\"AccessKeyId\":" + JSONText.quote(accessKeyId) + ",\"SecretAccessKey\":"
      + JSONText.quote(secretAccessKey) + ",\"SessionToken\":" + JSONText.quote(sessionToken)
      + ",\"Expiration\":\(expiration)}"
  }

  /// Reads a payload written by `payload`; nil when it is anything else.
  package init?(payload: String) {
    var id: String?
    var secret: String?
    var token: String?
    var expiration: Int64?
    let complete = JSONText.forEachField(payload) { key, value in
      switch (key, value) {
      case ("AccessKeyId", .string(let text)): id = text
      case ("SecretAccessKey", .string(let text)): secret = text
      case ("SessionToken", .string(let text)): token = text
      case ("Expiration", .number(let number)): expiration = number
      default: break
      }
    }
    guard complete, let id, let secret, let token, let expiration else { return nil }
    self.init(accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    // Checked on the way in too; a key that fails is somebody else's, or damaged: a miss.
    guard shapeProblem == nil else { return nil }
  }

  /// Why the values do not have the shape AWS documents, naming the field but never its value;
  /// nil when they do. Keys are 16–128 upper-case letters and digits; secrets and tokens are
  /// base64 text (`A–Z a–z 0–9 + / =`, and `-`/`_` of the URL-safe alphabet).
  package var shapeProblem: String? {
    if !Self.fits(accessKeyId, 16...128, Self.isKeyIdByte) {
      return "AccessKeyId is not 16 to 128 upper-case letters and digits"
    }
    if !Self.fits(secretAccessKey, 16...256, Self.isBase64Byte) {
      return "SecretAccessKey is not 16 to 256 characters of base64 text"
    }
    if !Self.fits(sessionToken, 16...16384, Self.isBase64Byte) {
      return "SessionToken is not 16 to 16384 characters of base64 text"
    }
    return nil
  }

  static func fits(_ value: String, _ length: ClosedRange<Int>, _ allowed: (UInt8) -> Bool) -> Bool
  {
    length.contains(value.utf8.count) && value.utf8.allSatisfy(allowed)
  }

  static func isKeyIdByte(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte)
  }

  static func isBase64Byte(_ byte: UInt8) -> Bool {
    isKeyIdByte(byte) || (97...122).contains(byte) || byte == UInt8(ascii: "+")
      || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "_")
  }
}

/// Minimal JSON for flat objects of strings and integers (cache payloads), without Foundation.
package enum JSONText {
  /// A value in a flat object.
  package enum Value: Equatable, Sendable {
    case string(String)
    case number(Int64)
  }

  /// `text` as a JSON string literal.
  package static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        // C0 must be escaped; DEL and C1 are too, so that no terminal ever sees them raw.
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// Calls `body` for each field of a flat object `{"k": "v", "n": 1}`; false when `text` is
  /// anything else (nested, malformed). Works on UTF-8 bytes without building a dictionary.
  @discardableResult
  package static func forEachField(_ text: String, _ body: (String, Value) -> Void) -> Bool {
    var scanner = Scanner(Array(text.utf8))
    scanner.skipSpace()
    guard scanner.take(UInt8(ascii: "{")) else { return false }
    scanner.skipSpace()
    if scanner.take(UInt8(ascii: "}")) { return true }
    while true {
      scanner.skipSpace()
      guard let key = scanner.string() else { return false }
      scanner.skipSpace()
      guard scanner.take(UInt8(ascii: ":")) else { return false }
      scanner.skipSpace()
      if let value = scanner.string() {
        body(key, .string(value))
      } else if let number = scanner.integer() {
        body(key, .number(number))
      } else {
        return false
      }
      scanner.skipSpace()
      if scanner.take(UInt8(ascii: ",")) { continue }
      guard scanner.take(UInt8(ascii: "}")) else { return false }
      scanner.skipSpace()
      return scanner.atEnd
    }
  }

  struct Scanner {
    var bytes: [UInt8]
    var index = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { index >= bytes.count }

    mutating func skipSpace() {
      while index < bytes.count,
        bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 13 || bytes[index] == 9
      {
        index += 1
      }
    }

    mutating func take(_ byte: UInt8) -> Bool {
      guard index < bytes.count, bytes[index] == byte else { return false }
      index += 1
      return true
    }

    mutating func integer() -> Int64? {
      var value: Int64 = 0
      var negative = false
      let start = index
      if take(UInt8(ascii: "-")) { negative = true }
      var digits = 0
      while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, digits < 18 {
        value = value * 10 + Int64(bytes[index] - 48)
        index += 1
        digits += 1
      }
      guard digits > 0 else {
        index = start
        return nil
      }
      return negative ? -value : value
    }

    mutating func string() -> String? {
      guard take(UInt8(ascii: "\"")) else { return nil }
      var out: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { return nil }
          let escaped = bytes[index]
          index += 1
          switch escaped {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
          case UInt8(ascii: "n"): out.append(10)
          case UInt8(ascii: "r"): out.append(13)
          case UInt8(ascii: "t"): out.append(9)
          case UInt8(ascii: "b"): out.append(8)
          case UInt8(ascii: "f"): out.append(12)
          case UInt8(ascii: "u"):
            guard index + 4 <= bytes.count,
              let code = UInt32(
                String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
              let scalar = Unicode.Scalar(code)
            else { return nil }
            index += 4
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
          default: return nil
          }
        default: out.append(byte)
        }
      }
      return nil
    }
  }
}
