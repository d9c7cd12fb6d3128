#if canImport(Glibc)
  import Glibc
#endif

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
