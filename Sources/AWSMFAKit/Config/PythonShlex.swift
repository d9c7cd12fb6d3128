/// Python's `shlex.split(text)` (POSIX mode), which botocore applies to `[profile …]`,
/// `[sso-session …]` and `[services …]` headers.
package enum PythonShlex {
  /// The words of `text`, or nil where Python raises `ValueError` (an unclosed quote, a
  /// backslash at the end).
  package static func split(_ text: String) -> [String]? {
    var words: [String] = []
    var current: [UInt8] = []
    var inWord = false
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      switch byte {
      case 32, 9, 10, 13:
        if inWord { words.append(String(decoding: current, as: UTF8.self)) }
        current = []
        inWord = false
      case 39:  // '…': nothing inside is special.
        inWord = true
        while true {
          guard let next = iterator.next() else { return nil }
          if next == 39 { break }
          current.append(next)
        }
      case 34:  // "…": a backslash escapes only `"` and `\`.
        inWord = true
        while true {
          guard let next = iterator.next() else { return nil }
          if next == 34 { break }
          if next == 92 {
            guard let escaped = iterator.next() else { return nil }
            if escaped != 34 && escaped != 92 { current.append(92) }
            current.append(escaped)
          } else {
            current.append(next)
          }
        }
      case 92:
        inWord = true
        guard let escaped = iterator.next() else { return nil }
        current.append(escaped)
      default:
        inWord = true
        current.append(byte)
      }
    }
    if inWord { words.append(String(decoding: current, as: UTF8.self)) }
    return words
  }

  /// The NAME of a `[KIND NAME]` header as botocore reads it: the header starts with `kind`
  /// and splits into exactly two words; nil otherwise.
  package static func sectionName(_ header: String, kind: String) -> String? {
    guard header.hasPrefix(kind), let words = split(header), words.count == 2 else { return nil }
    return words[1]
  }
}
