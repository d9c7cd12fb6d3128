/// One section of an AWS shared config or credentials file, keys in file order.
public struct INISection: Sendable, Equatable {
  /// The text between the brackets, trimmed.
  public var header: String
  /// The line the header stands on, 1-based.
  public var line: Int
  /// Keys, lower-cased as botocore's configparser does, in file order.
  public var keys: [String]
  /// The value of each key, same order.
  public var values: [String]

  public init(header: String, line: Int, keys: [String] = [], values: [String] = []) {
    self.header = header
    self.line = line
    self.keys = keys
    self.values = values
  }

  /// The value of `key`, if the section sets it.
  public subscript(key: String) -> String? {
    keys.firstIndex(of: key).map { values[$0] }
  }
}

/// A parse failure in a config file, naming the file and line.
public struct INIParseError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var line: Int
  public var reason: String
  public var description: String { "\(path):\(line): \(reason)" }
}

/// Parses the INI dialect the AWS CLI reads (Python's RawConfigParser as botocore configures it).
///
/// Whole-line comments start with `#` or `;`; there are no inline comments; `=` or `:` separates a
/// key from its value; an indented line continues the previous value (nested `s3 =` blocks); a
/// duplicate section or key is an error, as it is for the AWS CLI. It works on UTF-8 bytes: this
/// runs on every cached `env` and every TAB, over files of up to thousands of profiles.
public enum INIFile {
  /// Parses `text` (the contents of `path`, used only in error messages).
  public static func parse(_ text: String, path: String) throws(INIParseError) -> [INISection] {
    try parse(bytes: Array(text.utf8), path: path)
  }

  /// Parses UTF-8 `bytes` (invalid sequences become U+FFFD in names and values).
  public static func parse(bytes: [UInt8], path: String) throws(INIParseError) -> [INISection] {
    var sections: [INISection] = []
    var seen: Set<String> = []
    var lastKeyIndent = -1
    var lineNumber = 0
    var start = 0
    // A UTF-8 byte order mark is not part of the first line.
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
    let end = bytes.count
    while start <= end {
      var stop = start
      while stop < end, bytes[stop] != 10 { stop += 1 }
      lineNumber += 1
      var lineEnd = stop
      if lineEnd > start, bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
      var first = start
      while first < lineEnd, bytes[first] == 32 || bytes[first] == 9 { first += 1 }
      let indent = first - start
      var last = lineEnd
      while last > first, bytes[last - 1] == 32 || bytes[last - 1] == 9 { last -= 1 }
      defer { start = stop + 1 }
      if first == last || bytes[first] == 35 || bytes[first] == 59 { continue }
      if indent > 0, lastKeyIndent >= 0, indent > lastKeyIndent, let index = sections.indices.last {
        // A continuation line: configparser appends it to the previous value with a newline.
        let valueIndex = sections[index].values.count - 1
        sections[index].values[valueIndex] += "\n" + text(bytes, first, last)
        continue
      }
      if bytes[first] == 91 {
        // Like configparser, the header runs to the last ']' and anything after it is ignored.
        var close = last - 1
        while close > first, bytes[close] != 93 { close -= 1 }
        guard close > first + 1 else {
          throw INIParseError(
            path: path, line: lineNumber,
            reason: "a section header lacks its closing ']' or a name.")
        }
        let (from, to) = trim(bytes, first + 1, close)
        let name = text(bytes, from, to)
        if !seen.insert(name).inserted {
          throw INIParseError(
            path: path, line: lineNumber, reason: "section [\(name)] appears twice.")
        }
        sections.append(INISection(header: name, line: lineNumber))
        lastKeyIndent = -1
        continue
      }
      var separator = first
      while separator < last, bytes[separator] != 61, bytes[separator] != 58 { separator += 1 }
      guard separator < last else {
        throw INIParseError(
          path: path, line: lineNumber, reason: "expected 'key = value', a [section] or a comment.")
      }
      guard let index = sections.indices.last else {
        throw INIParseError(
          path: path, line: lineNumber, reason: "a key stands before any [section].")
      }
      let (keyFrom, keyTo) = trim(bytes, first, separator)
      guard keyFrom < keyTo else {
        throw INIParseError(path: path, line: lineNumber, reason: "a line has a value but no key.")
      }
      let key = lowercasedASCII(bytes, keyFrom, keyTo)
      let (valueFrom, valueTo) = trim(bytes, separator + 1, last)
      if sections[index].keys.contains(key) {
        throw INIParseError(
          path: path, line: lineNumber,
          reason: "key '\(key)' appears twice in [\(sections[index].header)].")
      }
      sections[index].keys.append(key)
      sections[index].values.append(text(bytes, valueFrom, valueTo))
      lastKeyIndent = indent
    }
    return sections
  }

  static func text(_ bytes: [UInt8], _ from: Int, _ to: Int) -> String {
    bytes.withUnsafeBufferPointer {
      String(decoding: UnsafeBufferPointer(rebasing: $0[from..<to]), as: UTF8.self)
    }
  }

  static func trim(_ bytes: [UInt8], _ from: Int, _ to: Int) -> (Int, Int) {
    var from = from
    var to = to
    while from < to, bytes[from] == 32 || bytes[from] == 9 { from += 1 }
    while to > from, bytes[to - 1] == 32 || bytes[to - 1] == 9 { to -= 1 }
    return (from, to)
  }

  static func lowercasedASCII(_ bytes: [UInt8], _ from: Int, _ to: Int) -> String {
    var needsLowering = false
    for index in from..<to where bytes[index] >= 65 && bytes[index] <= 90 { needsLowering = true }
    guard needsLowering else { return text(bytes, from, to) }
    let lowered = bytes[from..<to].map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    return String(decoding: lowered, as: UTF8.self)
  }

  static func trimmedSpaces(_ text: Substring) -> Substring {
    var result = text
    while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
    while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
    return result
  }
}
