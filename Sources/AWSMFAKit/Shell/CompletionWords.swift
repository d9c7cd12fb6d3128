/// Words for bash's programmable completion, which inserts `COMPREPLY` entries verbatim: the
/// word being completed arrives as typed (quotes and backslashes included) and each candidate
/// must leave as typed text that reads back as the profile name.
public enum BashWord {
  /// The text `typed` stands for, with an unterminated quote allowed at the end (mid-typing).
  public static func dequote(_ typed: String) -> String {
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
  public static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      let safe =
        scalar.value >= 0x80 || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        || ("0"..."9").contains(scalar) || "_./@%+,:=-".unicodeScalars.contains(scalar)
      if !safe { out += "\\" }
      out.unicodeScalars.append(scalar)
    }
    return out
  }
}
