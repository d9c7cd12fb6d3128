#if canImport(Glibc)
  import Glibc
#endif

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
    if format == .dotenv, value.containsBytes("${") { return false }
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
