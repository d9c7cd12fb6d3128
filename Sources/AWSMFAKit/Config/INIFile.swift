/// One section of an AWS shared config or credentials file, keys in file order.
public struct INISection: Sendable, Equatable {
  /// The text between the brackets, trimmed.
  public var header: String
  /// The line the header stands on, 1-based.
  public var line: Int
  /// Keys (lower-cased, as botocore's configparser does) with their values, in file order.
  public var entries: [(key: String, value: String)]

  /// The value of `key`, if the section sets it.
  public subscript(key: String) -> String? {
    entries.first { $0.key == key }?.value
  }

  public static func == (lhs: INISection, rhs: INISection) -> Bool {
    lhs.header == rhs.header && lhs.line == rhs.line
      && lhs.entries.map(\.key) == rhs.entries.map(\.key)
      && lhs.entries.map(\.value) == rhs.entries.map(\.value)
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
/// duplicate section or key is an error, as it is for the AWS CLI.
public enum INIFile {
  /// Parses `text` (the contents of `path`, used only in error messages).
  public static func parse(_ text: String, path: String) throws(INIParseError) -> [INISection] {
    var sections: [INISection] = []
    var seen: Set<String> = []
    var lastKeyIndent = -1
    var lineNumber = 0
    var body = Substring(text)
    if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
    for rawLine in body.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      var line = rawLine
      if line.hasSuffix("\r") { line = line.dropLast() }
      let indent = line.prefix { $0 == " " || $0 == "\t" }.count
      let content = line.dropFirst(indent)
      let trimmed = trimmedSpaces(content)
      if trimmed.isEmpty {
        continue
      }
      if trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
        continue
      }
      if indent > 0, lastKeyIndent >= 0, indent > lastKeyIndent, !sections.isEmpty {
        // A continuation line: configparser appends it to the previous value with a newline.
        let last = sections.count - 1
        let entry = sections[last].entries.count - 1
        sections[last].entries[entry].value += "\n" + trimmed
        continue
      }
      if trimmed.hasPrefix("[") {
        guard let close = trimmed.lastIndex(of: "]"), trimmed.index(after: close) == trimmed.endIndex
        else {
          throw INIParseError(path: path, line: lineNumber, reason: "a section header lacks its closing ']'.")
        }
        let name = String(trimmedSpaces(trimmed[trimmed.index(after: trimmed.startIndex)..<close]))
        if seen.contains(name) {
          throw INIParseError(path: path, line: lineNumber, reason: "section [\(name)] appears twice.")
        }
        seen.insert(name)
        sections.append(INISection(header: name, line: lineNumber, entries: []))
        lastKeyIndent = -1
        continue
      }
      guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
        throw INIParseError(path: path, line: lineNumber, reason: "expected 'key = value', a [section] or a comment.")
      }
      guard !sections.isEmpty else {
        throw INIParseError(path: path, line: lineNumber, reason: "a key stands before any [section].")
      }
      let key = trimmedSpaces(trimmed[..<separator]).lowercased()
      guard !key.isEmpty else {
        throw INIParseError(path: path, line: lineNumber, reason: "a line has a value but no key.")
      }
      let value = String(trimmedSpaces(trimmed[trimmed.index(after: separator)...]))
      let last = sections.count - 1
      if sections[last][key] != nil {
        throw INIParseError(
          path: path, line: lineNumber,
          reason: "key '\(key)' appears twice in [\(sections[last].header)].")
      }
      sections[last].entries.append((key: key, value: value))
      lastKeyIndent = indent
    }
    return sections
  }

  static func trimmedSpaces(_ text: Substring) -> Substring {
    var result = text
    while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
    while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
    return result
  }
}
