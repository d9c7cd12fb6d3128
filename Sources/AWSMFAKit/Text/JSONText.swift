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
