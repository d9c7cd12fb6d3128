/// The one redaction function: every key, token, code or password shown in a message or a
/// `--verbose` line goes through it.
package enum Redact {
  /// `****` and the last four characters; short values (codes, passwords) show nothing.
  package static func key(_ value: String) -> String {
    value.count < 12 ? "****" : "****" + value.suffix(4)
  }
}
