/// Temporary AWS credentials with their expiry, as cached and as exported.
public struct SessionCredentials: Sendable, Equatable {
  public var accessKeyId: String
  public var secretAccessKey: String
  public var sessionToken: String
  /// Expiry in seconds since the epoch.
  public var expiration: Int64

  public init(accessKeyId: String, secretAccessKey: String, sessionToken: String, expiration: Int64) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
    self.expiration = expiration
  }

  /// The small JSON object stored as the key's payload.
  public var payload: String {
    "{\"AccessKeyId\":" + JSONText.quote(accessKeyId) + ",\"SecretAccessKey\":"
      + JSONText.quote(secretAccessKey) + ",\"SessionToken\":" + JSONText.quote(sessionToken)
      + ",\"Expiration\":\(expiration)}"
  }

  /// Reads a payload written by `payload`; nil when it is anything else.
  public init?(payload: String) {
    guard let object = JSONText.parseFlatObject(payload),
      case .string(let id)? = object["AccessKeyId"],
      case .string(let secret)? = object["SecretAccessKey"],
      case .string(let token)? = object["SessionToken"],
      case .number(let expiration)? = object["Expiration"]
    else { return nil }
    self.init(accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
  }
}

/// Minimal JSON for flat objects of strings and integers (cache payloads), without Foundation.
public enum JSONText {
  /// A value in a flat object.
  public enum Value: Equatable, Sendable {
    case string(String)
    case number(Int64)
  }

  /// `text` as a JSON string literal.
  public static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// Parses `{"k": "v", "n": 1}`; nil for anything nested or malformed.
  public static func parseFlatObject(_ text: String) -> [String: Value]? {
    var scanner = Scanner(Array(text.unicodeScalars))
    var result: [String: Value] = [:]
    scanner.skipSpace()
    guard scanner.take("{") else { return nil }
    scanner.skipSpace()
    if scanner.take("}") { return result }
    while true {
      scanner.skipSpace()
      guard let key = scanner.string() else { return nil }
      scanner.skipSpace()
      guard scanner.take(":") else { return nil }
      scanner.skipSpace()
      if let value = scanner.string() {
        result[key] = .string(value)
      } else if let number = scanner.integer() {
        result[key] = .number(number)
      } else {
        return nil
      }
      scanner.skipSpace()
      if scanner.take(",") { continue }
      guard scanner.take("}") else { return nil }
      scanner.skipSpace()
      return scanner.atEnd ? result : nil
    }
  }

  struct Scanner {
    var scalars: [Unicode.Scalar]
    var index = 0
    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }
    var atEnd: Bool { index >= scalars.count }

    mutating func skipSpace() {
      while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
    }

    mutating func take(_ scalar: Unicode.Scalar) -> Bool {
      guard index < scalars.count, scalars[index] == scalar else { return false }
      index += 1
      return true
    }

    mutating func integer() -> Int64? {
      let start = index
      if index < scalars.count, scalars[index] == "-" { index += 1 }
      while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
      var text = ""
      text.unicodeScalars.append(contentsOf: scalars[start..<index])
      guard let value = Int64(text) else {
        index = start
        return nil
      }
      return value
    }

    mutating func string() -> String? {
      guard take("\"") else { return nil }
      var out = ""
      while index < scalars.count {
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "\"": return out
        case "\\":
          guard index < scalars.count else { return nil }
          let escaped = scalars[index]
          index += 1
          switch escaped {
          case "\"", "\\", "/": out.unicodeScalars.append(escaped)
          case "n": out += "\n"
          case "r": out += "\r"
          case "t": out += "\t"
          case "b": out += "\u{8}"
          case "f": out += "\u{C}"
          case "u":
            guard index + 4 <= scalars.count else { return nil }
            var hex = ""
            hex.unicodeScalars.append(contentsOf: scalars[index..<index + 4])
            index += 4
            guard let code = UInt32(hex, radix: 16), let value = Unicode.Scalar(code) else {
              return nil
            }
            out.unicodeScalars.append(value)
          default: return nil
          }
        default: out.unicodeScalars.append(scalar)
        }
      }
      return nil
    }
  }
}
