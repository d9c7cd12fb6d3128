#if canImport(Glibc)
  import Glibc
#endif

/// The one reader of the INI dialect botocore parses: Python's `RawConfigParser` with its
/// defaults (strict, `=` and `:` delimiters, whole-line `#`/`;` comments, indented continuation
/// lines, blank lines kept inside values, LF, CRLF and lone CR all ending a line).
///
/// `INIFile` (the full parse), `ProfileNames` (completion), `SharedConfig`'s lookups and
/// `ConfigEditor` (enrolment) all walk files through here, so TAB, `list`, `env` and
/// `device enroll` cannot disagree on what a section is.
package enum INIScanner {
  /// One line as configparser classifies it; ranges are byte offsets into the scanned buffer.
  package struct Line: Sendable {
    /// What the line is.
    package enum Kind: Sendable, Equatable {
      /// Empty, or whitespace only.
      case blank
      /// A whole-line `#` or `;` comment.
      case comment
      /// `[NAME]`: `name` is the text between `[` and the last `]`, untrimmed, as configparser
      /// keeps it.
      case header
      /// `key = value`: `name` is the key (right-trimmed), `value` the value (trimmed).
      case option
      /// An indented line that continues the previous value: `value` is its stripped text.
      case continuation
      /// A line with neither header nor delimiter, or with no key before the delimiter.
      case invalid
    }

    package var kind: Kind
    /// 1-based line number.
    package var number: Int
    /// Offset of the line's first byte.
    package var start: Int
    /// Offset just past the line's last byte, before its line break.
    package var end: Int
    /// Offset of the next line (past the line break).
    package var next: Int
    package var name: Range<Int> = 0..<0
    package var value: Range<Int> = 0..<0
    /// Whether a `[section]` was open when the line was read (`DEFAULT` counts).
    package var inSection: Bool = false
  }

  /// Calls `body` for every line of `bytes`, in order, until it returns false. With `detail`
  /// false, option lines are recognised by shape alone (no key or value ranges, no `invalid`):
  /// the header walk of completion and of single-profile lookups costs a few bytes a line.
  /// `inSection` starts the walk just after a section's header, on line `firstLine`.
  package static func scan(
    _ bytes: UnsafeBufferPointer<UInt8>, detail: Bool = true, inSection: Bool = false,
    firstLine: Int = 1, _ body: (Line) -> Bool
  ) {
    var start = 0
    var number = firstLine - 1
    var inOption = false
    var inSection = inSection
    var indentLevel = 0
    let count = bytes.count
    guard let base = bytes.baseAddress, count > 0 else { return }
    // Without a CR anywhere, memchr finds each line's end (most files: one vectorised pass).
    let hasCR = memchr(base, 13, count) != nil
    while start < count {
      number += 1
      var end = start
      if hasCR {
        while end < count, bytes[end] != 10, bytes[end] != 13 { end += 1 }
      } else if let found = memchr(base + start, 10, count - start) {
        end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
      } else {
        end = count
      }
      var next = end
      if next < count {
        next += bytes[next] == 13 && next + 1 < count && bytes[next + 1] == 10 ? 2 : 1
      }
      var line = Line(kind: .blank, number: number, start: start, end: end, next: next)
      line.inSection = inSection
      // Indentation is counted in characters, as configparser's `\S` search does.
      var first = start
      var indent = 0
      while first < end {
        let width = spaceWidth(bytes, first, end)
        if width == 0 { break }
        first += width
        indent += 1
      }
      if first == end {
        line.kind = .blank
      } else if bytes[first] == 35 || bytes[first] == 59 {
        line.kind = .comment
      } else if inOption && indent > indentLevel {
        line.kind = .continuation
        if detail { line.value = first..<trimEnd(bytes, first, end) }
      } else {
        indentLevel = indent
        // Only a line starting with `[` or a detailed scan needs the trimmed end.
        let last = bytes[first] == 91 || detail ? trimEnd(bytes, first, end) : end
        var close = last - 1
        if bytes[first] == 91 {
          while close > first + 1, bytes[close] != 93 { close -= 1 }
        }
        if bytes[first] == 91, close > first + 1, bytes[close] == 93 {
          line.kind = .header
          line.name = (first + 1)..<close
          inOption = false
          inSection = true
        } else if !inSection {
          line.kind = .invalid
        } else if !detail {
          line.kind = .option
          inOption = true
        } else {
          var separator = first
          while separator < last, bytes[separator] != 61, bytes[separator] != 58 {
            separator += 1
          }
          let keyEnd = trimEnd(bytes, first, separator)
          if separator == last || keyEnd == first {
            line.kind = .invalid
          } else {
            line.kind = .option
            line.name = first..<keyEnd
            var valueStart = separator + 1
            while valueStart < last {
              let width = spaceWidth(bytes, valueStart, last)
              if width == 0 { break }
              valueStart += width
            }
            line.value = valueStart..<last
            inOption = true
          }
        }
      }
      if !body(line) { return }
      start = next
    }
  }

  /// The byte length of the whitespace character at `index` (Python's `str.isspace`), or 0.
  static func spaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int, _ end: Int) -> Int {
    let byte = bytes[index]
    if byte == 32 || (9...13).contains(byte) || (28...31).contains(byte) { return 1 }
    guard byte >= 0xC2, index + 1 < end else { return 0 }
    let second = bytes[index + 1]
    if byte == 0xC2 { return second == 0x85 || second == 0xA0 ? 2 : 0 }
    guard index + 2 < end else { return 0 }
    let third = bytes[index + 2]
    switch (byte, second) {
    case (0xE1, 0x9A): return third == 0x80 ? 3 : 0
    case (0xE2, 0x80):
      return (0x80...0x8A).contains(third) || third == 0xA8 || third == 0xA9 || third == 0xAF
        ? 3 : 0
    case (0xE2, 0x81): return third == 0x9F ? 3 : 0
    case (0xE3, 0x80): return third == 0x80 ? 3 : 0
    default: return 0
    }
  }

  /// `end` moved back over trailing whitespace, not past `start`.
  static func trimEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var end = end
    while end > start {
      var width = 0
      for candidate in 1...3 where end - candidate >= start {
        if spaceWidth(bytes, end - candidate, end) == candidate {
          width = candidate
          break
        }
      }
      if width == 0 { break }
      end -= width
    }
    return end
  }
}
