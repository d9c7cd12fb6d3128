/// Quoting for names shown to a person in messages (not for shells).
package enum Quote {
  /// `name` in single quotes, with control characters made visible so a message stays one line.
  package static func human(_ name: String) -> String {
    var out = "'"
    for scalar in name.unicodeScalars {
      switch scalar {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "'": out += "\\'"
      case "\\": out += "\\\\"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "'"
  }
}

extension StringProtocol {
  /// The text without `set` at either end (Foundation's `trimmingCharacters(in:)` for one
  /// character, without Foundation).
  package func trimmingCharacters(in set: Character) -> String {
    var slice = self[...]
    while slice.first == set { slice = slice.dropFirst() }
    while slice.last == set { slice = slice.dropLast() }
    return String(slice)
  }
}
