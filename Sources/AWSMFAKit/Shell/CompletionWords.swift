/// Words for bash's programmable completion, which inserts `COMPREPLY` entries verbatim: the
/// word being completed arrives as typed (quotes and backslashes included) and each candidate
/// must leave as typed text that reads back as the profile name.
package enum BashWord {
  /// The text `typed` stands for, with an unterminated quote allowed at the end (mid-typing).
  package static func dequote(_ typed: String) -> String {
    var out = ""
    var quote: Character?
    var escaped = false
    for character in typed {
      if escaped {
        // Inside double quotes a backslash escapes only these; elsewhere it escapes anything.
        if quote == "\"", !"$`\"\\".contains(character) { out.append("\\") }
        out.append(character)
        escaped = false
      } else if character == "\\", quote != "'" {
        escaped = true
      } else if let open = quote, character == open {
        quote = nil
      } else if quote == nil, character == "'" || character == "\"" {
        quote = character
      } else {
        out.append(character)
      }
    }
    return out
  }

  /// `text` with a backslash before every character the shell would treat specially.
  package static func escape(_ text: String) -> String {
    // Bytes, not scalars: this runs once per name on a TAB over thousands of names.
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count + 4)
    for byte in text.utf8 {
      if !isSafe(byte) { out.append(92) }
      out.append(byte)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Whether `byte` needs no backslash in a bash word (UTF-8 continuation bytes are letters).
  static func isSafe(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x80...0xFF, 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true
    case 0x5F, 0x2E, 0x2F, 0x40, 0x25, 0x2B, 0x2C, 0x3A, 0x3D, 0x2D: return true
    default: return false
    }
  }
}
