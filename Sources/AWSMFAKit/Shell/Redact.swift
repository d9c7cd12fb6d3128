/// The one redaction function: every key, token, code or password shown in a message or a
/// `--verbose` line goes through it.
public enum Redact {
  /// `****` and the last four characters (none at all for values shorter than eight).
  public static func key(_ value: String) -> String {
    value.count < 8 ? "****" : "****" + value.suffix(4)
  }
}
