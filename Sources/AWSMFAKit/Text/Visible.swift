/// Text that came from a peer or a file, made safe for a terminal.
///
/// A server's error message, a config value or a profile name may hold NULs, escape sequences or
/// line breaks; printed raw they could forge a second line, retitle the terminal or split a stream
/// a shell reads. Every line awsmfa writes for a person goes through here.
package enum Visible {
  /// `text` with every C0 control, DEL and C1 control shown as `\xNN`; `keepNewlines` leaves
  /// line feeds alone (for multi-line reports whose lines awsmfa itself separates).
  package static func text(_ text: String, keepNewlines: Bool = false) -> String {
    guard text.unicodeScalars.contains(where: { needsEscape($0, keepNewlines) }) else {
      return text
    }
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      if needsEscape(scalar, keepNewlines) {
        let hex = String(scalar.value, radix: 16)
        out += "\\x" + (hex.count < 2 ? "0" : "") + hex
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Whether `scalar` is a control character that must not reach a terminal raw.
  package static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }

  static func needsEscape(_ scalar: Unicode.Scalar, _ keepNewlines: Bool) -> Bool {
    isControl(scalar) && !(keepNewlines && scalar == "\n")
  }
}
