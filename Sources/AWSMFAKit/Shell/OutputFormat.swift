/// The syntaxes `env` and `unset` can print.
public enum OutputFormat: String, Sendable, CaseIterable {
  case bash, zsh, fish, json, dotenv

  /// The format for the user's login shell: fish for fish, else POSIX (bash/zsh).
  public static func `default`(environment: Environment) -> OutputFormat {
    let shell = environment["SHELL"] ?? ""
    let name = shell.split(separator: "/").last.map(String.init) ?? ""
    switch name {
    case "fish": return .fish
    case "zsh": return .zsh
    default: return .bash
    }
  }
}

/// The variables `env` sets for a profile, in the order printed.
public struct Exports: Sendable, Equatable {
  public var credentials: SessionCredentials
  public var profile: String
  public var region: String?

  public init(credentials: SessionCredentials, profile: String, region: String?) {
    self.credentials = credentials
    self.profile = profile
    self.region = region
  }

  /// Every variable `env` sets, in order.
  public var variables: [(String, String)] {
    var list: [(String, String)] = [
      ("AWS_ACCESS_KEY_ID", credentials.accessKeyId),
      ("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey),
      ("AWS_SESSION_TOKEN", credentials.sessionToken),
      ("AWS_CREDENTIAL_EXPIRATION", RFC3339.format(credentials.expiration)),
    ]
    if let region, !region.isEmpty {
      list += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    }
    list += [("AWSMFA_PROFILE", profile), ("AWSMFA_EXPIRES", String(credentials.expiration))]
    return list
  }

  /// Variables `env` removes: `AWS_PROFILE` would otherwise win over the exported keys in some SDKs.
  public var removed: [String] { ["AWS_PROFILE"] }

  /// Every variable `unset` removes.
  public static let allNames = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWSMFA_PROFILE", "AWSMFA_EXPIRES",
  ]
}

/// Renders exports and removals for each output format, quoting every value for its syntax.
public enum ShellRenderer {
  /// The text `env` prints.
  public static func render(_ exports: Exports, format: OutputFormat) -> String {
    switch format {
    case .bash, .zsh:
      return exports.removed.map { "unset \($0);\n" }.joined()
        + exports.variables.map { "export \($0.0)=\(ShellQuote.posix($0.1));\n" }.joined()
    case .fish:
      return exports.removed.map { "set -e \($0);\n" }.joined()
        + exports.variables.map { "set -gx \($0.0) \(ShellQuote.fish($0.1));\n" }.joined()
    case .dotenv:
      return exports.variables.map { "\($0.0)=\(ShellQuote.dotenv($0.1))\n" }.joined()
    case .json:
      let c = exports.credentials
      return "{\"Version\":1,\"AccessKeyId\":\(JSONText.quote(c.accessKeyId)),"
        + "\"SecretAccessKey\":\(JSONText.quote(c.secretAccessKey)),"
        + "\"SessionToken\":\(JSONText.quote(c.sessionToken)),"
        + "\"Expiration\":\(JSONText.quote(RFC3339.format(c.expiration)))}\n"
    }
  }

  /// The text `unset` prints.
  public static func renderUnset(format: OutputFormat) -> String {
    switch format {
    case .bash, .zsh: return Exports.allNames.map { "unset \($0);\n" }.joined()
    case .fish: return Exports.allNames.map { "set -e \($0);\n" }.joined()
    case .dotenv: return Exports.allNames.map { "\($0)=\n" }.joined()
    case .json: return "{}\n"
    }
  }
}

/// One escaping function per syntax.
public enum ShellQuote {
  /// POSIX single quotes (bash, zsh, sh): nothing inside is special but `'` itself.
  public static func posix(_ value: String) -> String {
    "'" + value.replacingAll("'", with: "'\\''") + "'"
  }

  /// fish single quotes: only `\\` and `\'` are escapes inside them.
  public static func fish(_ value: String) -> String {
    "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
  }

  /// dotenv double quotes (docker compose, python-dotenv): `\\`, `\"`, `\n`, and `$` escaped.
  public static func dotenv(_ value: String) -> String {
    var out = "\""
    for character in value {
      switch character {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "$": out += "\\$"
      default: out.append(character)
      }
    }
    return out + "\""
  }
}

extension String {
  func replacingAll(_ target: Character, with replacement: String) -> String {
    var out = ""
    for character in self {
      if character == target { out += replacement } else { out.append(character) }
    }
    return out
  }
}

/// RFC 3339 timestamps in UTC with a `Z`, without Foundation.
public enum RFC3339 {
  /// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
  public static func format(_ seconds: Int64) -> String {
    let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
    let secondOfDay = seconds - days * 86400
    let (year, month, day) = civil(fromDays: days)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
      + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, any fraction length (moto sends µs).
  public static func parse(_ text: String) -> Int64? {
    let chars = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int64? {
      guard start + count <= chars.count else { return nil }
      var value: Int64 = 0
      for byte in chars[start..<start + count] {
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int64(byte - 48)
      }
      return value
    }
    guard chars.count >= 19, let year = number(0, 4), chars[4] == 45, let month = number(5, 2),
      chars[7] == 45, let day = number(8, 2), chars[10] == 84 || chars[10] == 32,
      let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    if index < chars.count, chars[index] == 46 {
      index += 1
      while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
    }
    var offset: Int64 = 0
    if index < chars.count {
      if chars[index] == 90 || chars[index] == 122 {
        index += 1
      } else if chars[index] == 43 || chars[index] == 45, let oh = number(index + 1, 2),
        let om = number(index + 4, 2)
      {
        offset = (oh * 3600 + om * 60) * (chars[index] == 43 ? 1 : -1)
        index += 6
      } else {
        return nil
      }
    }
    guard index == chars.count else { return nil }
    return days(fromCivil: year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
  }

  // Howard Hinnant's days-from-civil algorithm and its inverse.
  static func days(fromCivil y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y - 1 : y
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  static func civil(fromDays z: Int64) -> (Int64, Int64, Int64) {
    let z = z + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }
}
