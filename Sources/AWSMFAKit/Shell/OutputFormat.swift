#if canImport(Glibc)
  import Glibc
#endif

/// The syntaxes `env` and `unset` can print.
package enum OutputFormat: String, Sendable, CaseIterable {
  case bash, zsh, fish, json, dotenv

  /// The format for the shell that will read the output: the parent process's (`eval "$(…)"`
  /// in bash or a `#!/bin/sh` script, `| source` in fish, direnv's bash), else the login shell
  /// (`$SHELL`) when the parent is no shell (`env`, `sudo`, an editor). fish only for fish, zsh
  /// for zsh, POSIX for every other shell.
  package static func `default`(environment: Environment, parent: String? = parentCommand())
    -> OutputFormat
  {
    if let parent, let format = format(forShell: parent) { return format }
    let shell = environment["SHELL"] ?? ""
    let name = shell.split(separator: "/").last.map(String.init) ?? ""
    return format(forShell: name) ?? .bash
  }

  /// The format for a shell named `name` (a command name, `-bash` for a login shell), or nil
  /// when `name` is not a shell awsmfa knows.
  static func format(forShell name: String) -> OutputFormat? {
    let bare = name.hasPrefix("-") ? String(name.dropFirst()) : name
    switch bare {
    case "fish": return .fish
    case "zsh": return .zsh
    case "bash", "sh", "dash", "ash", "ksh", "mksh", "busybox", "posh", "yash", "direnv":
      return .bash
    default: return nil
    }
  }

  /// The parent process's command name (`/proc/PPID/comm`), or nil.
  package static func parentCommand() -> String? {
    guard case .success(let bytes) = FileIO.readBytes(path: "/proc/\(getppid())/comm") else {
      return nil
    }
    let name = String(decoding: bytes, as: UTF8.self)
    return name.hasSuffix("\n") ? String(name.dropLast()) : name
  }
}

/// The variables `env` sets for a profile, in the order printed.
package struct Exports: Sendable, Equatable {
  package var credentials: SessionCredentials
  package var profile: String
  package var region: String?
  /// The profile's `awsmfa_refresh_window`, exported so a prompt hook knows when to refresh.
  package var refreshWindow: Int?
  /// The `AWS_PROFILE` the user had before `env` removed it, kept in `AWSMFA_PREVIOUS_PROFILE`
  /// so that `unset` can put it back.
  package var previousProfile: String?
  /// The region variables hold the region an earlier `env` set (`AWSMFA_REGION`) and this
  /// profile names none: they go, so that no region leaks from one profile to the next.
  package var clearsRegion = false

  package init(
    credentials: SessionCredentials, profile: String, region: String?, refreshWindow: Int? = nil
  ) {
    self.credentials = credentials
    self.profile = profile
    self.region = region
    self.refreshWindow = refreshWindow
  }

  /// Exports for a shell whose variables are `environment`: what an earlier `env` set is
  /// recognised by awsmfa's own markers, and what the user set is kept or remembered.
  package init(
    credentials: SessionCredentials, profile: String, region: String?, refreshWindow: Int?,
    environment: Environment
  ) {
    self.init(
      credentials: credentials, profile: profile, region: region, refreshWindow: refreshWindow)
    // An AWS_PROFILE set now is the user's (env removes it); else keep the one remembered.
    previousProfile =
      environment.nonEmpty("AWS_PROFILE") ?? environment.nonEmpty("AWSMFA_PREVIOUS_PROFILE")
    if region == nil || region?.isEmpty == true, let ours = environment.nonEmpty("AWSMFA_REGION"),
      environment["AWS_REGION"] == ours || environment["AWS_DEFAULT_REGION"] == ours
    {
      clearsRegion = true
    }
  }

  /// Calls `body` with every variable `env` sets, in order (a closure, not an array of tuples:
  /// this runs on the cached path, where each generic type instantiated costs start-up time).
  package func forEachVariable(_ body: (String, String) -> Void) {
    body("AWS_ACCESS_KEY_ID", credentials.accessKeyId)
    body("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey)
    body("AWS_SESSION_TOKEN", credentials.sessionToken)
    body("AWS_CREDENTIAL_EXPIRATION", RFC3339.format(credentials.expiration))
    if let region, !region.isEmpty {
      body("AWS_REGION", region)
      body("AWS_DEFAULT_REGION", region)
      body("AWSMFA_REGION", region)
    }
    body("AWSMFA_PROFILE", profile)
    body("AWSMFA_EXPIRES", String(credentials.expiration))
    if let refreshWindow { body("AWSMFA_REFRESH_WINDOW", String(refreshWindow)) }
    if let previousProfile { body("AWSMFA_PREVIOUS_PROFILE", previousProfile) }
  }

  /// The variables `env` removes before it sets its own.
  package var removed: [String] {
    clearsRegion
      ? ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWSMFA_REGION"] : ["AWS_PROFILE"]
  }

  /// Every variable `env` sets, in order.
  package var variables: [(String, String)] {
    var list: [(String, String)] = []
    forEachVariable { list.append(($0, $1)) }
    return list
  }

  /// Every variable `unset` may remove.
  package static let allNames = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWSMFA_PROFILE", "AWSMFA_EXPIRES", "AWSMFA_REFRESH_WINDOW",
    "AWSMFA_REGION", "AWSMFA_PREVIOUS_PROFILE",
  ]
}

/// What `unset` does in a shell whose variables are `environment`: it removes only what awsmfa
/// set (the credentials when `AWSMFA_PROFILE` says an `env` ran, the region variables while they
/// hold awsmfa's region) and puts back the `AWS_PROFILE` that `env` removed.
package struct Removal: Sendable, Equatable {
  package var names: [String]
  package var restoredProfile: String?

  package init(environment: Environment) {
    var names: [String] = []
    if environment["AWSMFA_PROFILE"] != nil {
      names += ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
      names.append("AWS_CREDENTIAL_EXPIRATION")
    }
    if let ours = environment.nonEmpty("AWSMFA_REGION") {
      for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] where environment[name] == ours {
        names.append(name)
      }
    }
    names += [
      "AWSMFA_PROFILE", "AWSMFA_EXPIRES", "AWSMFA_REFRESH_WINDOW", "AWSMFA_REGION",
      "AWSMFA_PREVIOUS_PROFILE",
    ]
    self.names = names
    restoredProfile = environment.nonEmpty("AWSMFA_PREVIOUS_PROFILE")
  }
}

/// A value that cannot be written safely in the chosen syntax (a control character anywhere; a
/// quote or backslash in dotenv, which sh and python-dotenv read differently).
package struct UnsafeValueError: Error, Sendable, Equatable, CustomStringConvertible {
  package var name: String
  package var value: String
  package var format: OutputFormat
  package var description: String {
    let why =
      value.unicodeScalars.contains(where: { Visible.isControl($0) && $0 != "\t" })
      ? "it holds a control character" : "dotenv readers disagree on quotes and backslashes"
    return
      "\(name) would be \(Quote.human(value)), which cannot be written safely as \(format.rawValue) output: \(why)."
  }
}

/// Renders exports and removals for each output format, quoting every value for its syntax.
package enum ShellRenderer {
  /// The text `env` prints; refuses a value that no quoting makes safe for `format`.
  ///
  /// Credentials and regions are validated before they get here; the refusal guards what is left
  /// (profile names come from section headers) so that no line of the payload can be mistaken
  /// for anything but one assignment.
  package static func render(_ exports: Exports, format: OutputFormat) throws(UnsafeValueError)
    -> String
  {
    var unsafe: UnsafeValueError?
    exports.forEachVariable { name, value in
      guard unsafe == nil, !isSafe(value, for: format) else { return }
      unsafe = UnsafeValueError(name: name, value: value, format: format)
    }
    if let unsafe { throw unsafe }
    var out = ""
    switch format {
    case .bash, .zsh:
      out = "unset " + exports.removed.joined(separator: " ") + ";\n"
      exports.forEachVariable { out += "export " + $0 + "=" + ShellQuote.posix($1) + ";\n" }
    case .fish:
      // fish's `set` keeps the previous status, and `set -e` of an unset variable is 4: the
      // `or true` makes `… | source; and …` see 0.
      for name in exports.removed { out += "set -e " + name + "; or true;\n" }
      exports.forEachVariable { out += "set -gx " + $0 + " " + ShellQuote.fish($1) + ";\n" }
    case .dotenv:
      exports.forEachVariable { out += $0 + "=" + ShellQuote.dotenv($1) + "\n" }
    case .json:
      let c = exports.credentials
      return "{\"Version\":1,\"AccessKeyId\":\(JSONText.quote(c.accessKeyId)),"
        + "\"SecretAccessKey\":\(JSONText.quote(c.secretAccessKey)),"
        + "\"SessionToken\":\(JSONText.quote(c.sessionToken)),"
        + "\"Expiration\":\(JSONText.quote(RFC3339.format(c.expiration)))}\n"
    }
    return out
  }

  /// Whether `value` can be quoted for `format` so that it reads back exactly and alone.
  static func isSafe(_ value: String, for format: OutputFormat) -> Bool {
    // python-dotenv expands `${NAME}` even inside single quotes.
    if format == .dotenv, value.contains("${") { return false }
    for byte in value.utf8 {
      // A tab reads back as itself inside single quotes in every syntax; other controls do not
      // all, and a line break would let a value start a line of its own.
      if (byte < 0x20 && byte != 9) || byte == 0x7F { return false }
      if format == .dotenv, byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\") { return false }
    }
    return true
  }

  /// The text `unset` prints for `removal`.
  package static func renderUnset(format: OutputFormat, removal: Removal) -> String {
    // The remembered name is the user's own text: put back only what reads back as itself.
    let restore = removal.restoredProfile.flatMap { isSafe($0, for: format) ? $0 : nil }
    switch format {
    case .bash, .zsh:
      return "unset " + removal.names.joined(separator: " ") + ";\n"
        + (restore.map { "export AWS_PROFILE=" + ShellQuote.posix($0) + ";\n" } ?? "")
    case .fish:
      return removal.names.map { "set -e \($0); or true;\n" }.joined()
        + (restore.map { "set -gx AWS_PROFILE " + ShellQuote.fish($0) + ";\n" } ?? "")
    case .dotenv:
      return removal.names.map { "\($0)=\n" }.joined()
        + (restore.map { "AWS_PROFILE=" + ShellQuote.dotenv($0) + "\n" } ?? "")
    case .json: return "{}\n"
    }
  }
}

/// One escaping function per syntax.
package enum ShellQuote {
  /// POSIX single quotes (bash, zsh, sh): nothing inside is special but `'` itself.
  package static func posix(_ value: String) -> String {
    quoted(value, escaping: [UInt8(ascii: "'")], as: [[39, 92, 39, 39]])
  }

  /// fish single quotes: only `\\` and `\'` are escapes inside them.
  package static func fish(_ value: String) -> String {
    quoted(value, escaping: [UInt8(ascii: "\\"), UInt8(ascii: "'")], as: [[92, 92], [92, 39]])
  }

  /// `value` in single quotes with each byte of `special` replaced by its sequence; ASCII
  /// bytes are compared, so multi-byte UTF-8 passes through untouched.
  static func quoted(_ value: String, escaping special: [UInt8], as replacements: [[UInt8]])
    -> String
  {
    var bytes: [UInt8] = [39]
    bytes.reserveCapacity(value.utf8.count + 2)
    for byte in value.utf8 {
      if let index = special.firstIndex(of: byte) {
        bytes.append(contentsOf: replacements[index])
      } else {
        bytes.append(byte)
      }
    }
    bytes.append(39)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// dotenv single quotes: `set -a; . FILE` in sh and python-dotenv both take the text inside
  /// literally (no `$`, backtick or escape is special), given no `'` or `\\` inside, which
  /// `ShellRenderer.render` refuses.
  package static func dotenv(_ value: String) -> String {
    "'" + value + "'"
  }
}

/// RFC 3339 timestamps in UTC with a `Z`, without Foundation.
package enum RFC3339 {
  /// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
  package static func format(_ seconds: Int64) -> String {
    let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
    let secondOfDay = seconds - days * 86400
    let (year, month, day) = civil(fromDays: days)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
      + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, any fraction length (moto sends µs).
  package static func parse(_ text: String) -> Int64? {
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
