/// One section of an AWS shared config or credentials file, keys in file order.
package struct INISection: Sendable, Equatable {
  /// The text between the brackets, trimmed.
  package var header: String
  /// The line the header stands on, 1-based.
  package var line: Int
  /// Keys, lower-cased as botocore's configparser does, in file order.
  package var keys: [String]
  /// The value of each key, same order.
  package var values: [String]

  package init(header: String, line: Int, keys: [String] = [], values: [String] = []) {
    self.header = header
    self.line = line
    self.keys = keys
    self.values = values
  }

  /// The value of `key`, if the section sets it.
  package subscript(key: String) -> String? {
    keys.firstIndex(of: key).map { values[$0] }
  }
}

/// A parse failure in a config file, naming the file and line.
package struct INIParseError: Error, Sendable, Equatable, CustomStringConvertible {
  package var path: String
  package var line: Int
  package var reason: String
  package var description: String { "\(path):\(line): \(reason)" }
}

/// Parses the INI dialect the AWS CLI reads (Python's RawConfigParser as botocore configures it),
/// through `INIScanner`.
///
/// Whole-line comments start with `#` or `;`; there are no inline comments; `=` or `:` separates a
/// key from its value; an indented line continues the previous value (nested `s3 =` blocks, whose
/// lines need an `=`); keys of `[DEFAULT]` apply to every section; a duplicate section or key, a
/// line before any section, bytes that are not UTF-8 (a byte order mark included) are errors, as
/// they are for the AWS CLI.
package enum INIFile {
  /// Parses `text` (the contents of `path`, used only in error messages).
  package static func parse(_ text: String, path: String) throws(INIParseError) -> [INISection] {
    try parse(bytes: Array(text.utf8), path: path)
  }

  /// Parses UTF-8 `bytes`: every section but `DEFAULT`, in file order, with `DEFAULT`'s keys
  /// under its own, as configparser's `options()` and `get()` see them.
  package static func parse(bytes: [UInt8], path: String) throws(INIParseError) -> [INISection] {
    try checkEncoding(bytes, path: path)
    var reader = SectionReader(path: path)
    try bytes.withUnsafeBufferPointer { (buffer) throws(INIParseError) in
      try reader.read(buffer, inSection: false, firstLine: 1)
    }
    return try reader.finish(mergingDefaults: true)
  }

  /// Refuses a byte order mark and bytes that are not UTF-8, as configparser's decoding does.
  static func checkEncoding(_ bytes: [UInt8], path: String) throws(INIParseError) {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      throw INIParseError(
        path: path, line: 1,
        reason:
          "the file starts with a UTF-8 byte order mark, which the AWS CLI cannot read either; save it without one."
      )
    }
    if let line = invalidUTF8Line(bytes) {
      throw INIParseError(path: path, line: line, reason: "the text is not valid UTF-8.")
    }
  }

  /// The keys of one section whose lines lie in `body` (after its header line), without
  /// `DEFAULT`'s; used to read single sections of a large file without parsing the rest.
  static func section(
    _ buffer: UnsafeBufferPointer<UInt8>, header: String, line: Int, body: Range<Int>,
    path: String
  ) throws(INIParseError) -> INISection {
    var reader = SectionReader(path: path)
    reader.open(header: header, line: line)
    try reader.read(
      UnsafeBufferPointer(rebasing: buffer[body]), inSection: true, firstLine: line + 1)
    return try reader.finish(mergingDefaults: false).first ?? INISection(header: header, line: line)
  }

  /// The 1-based line of the first byte sequence that is not UTF-8, or nil.
  static func invalidUTF8Line(_ bytes: [UInt8]) -> Int? {
    var index = 0
    var line = 1
    let count = bytes.count
    while index < count {
      let byte = bytes[index]
      if byte < 0x80 {
        if byte == 10 { line += 1 }
        index += 1
        continue
      }
      let length: Int
      switch byte {
      case 0xC2...0xDF: length = 2
      case 0xE0...0xEF: length = 3
      case 0xF0...0xF4: length = 4
      default: return line
      }
      guard index + length <= count else { return line }
      for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 { return line }
      let second = bytes[index + 1]
      if (byte == 0xE0 && second < 0xA0) || (byte == 0xED && second > 0x9F)
        || (byte == 0xF0 && second < 0x90) || (byte == 0xF4 && second > 0x8F)
      {
        return line
      }
      index += length
    }
    return nil
  }

  static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
  }

  static func lowercasedASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int)
    -> String
  {
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

/// Turns scanned lines into sections, keys and values exactly as configparser stores them.
struct SectionReader {
  var path: String
  var sections: [INISection] = []
  var defaults = INISection(header: "DEFAULT", line: 0)
  var seen: Set<String> = []
  /// Where the current key's value lives: a section index, -1 for DEFAULT, nil before any.
  var current: Int?
  var valueOpen = false

  init(path: String) { self.path = path }

  /// Starts a section as if its header had been read.
  mutating func open(header: String, line: Int) {
    seen.insert(header)
    sections.append(INISection(header: header, line: line))
    current = sections.count - 1
    valueOpen = false
  }

  /// Takes every line of `buffer` (starting inside a section or not, numbered from
  /// `firstLine`), stopping at the first it cannot read.
  mutating func read(_ buffer: UnsafeBufferPointer<UInt8>, inSection: Bool, firstLine: Int)
    throws(INIParseError)
  {
    var failure: INIParseError?
    INIScanner.scan(buffer, inSection: inSection, firstLine: firstLine) { line in
      do throws(INIParseError) {
        try read(line, buffer)
        return true
      } catch {
        failure = error
        return false
      }
    }
    if let failure { throw failure }
  }

  /// Takes one line.
  mutating func read(_ line: INIScanner.Line, _ buffer: UnsafeBufferPointer<UInt8>)
    throws(INIParseError)
  {
    func fail(_ reason: String) -> INIParseError {
      INIParseError(path: path, line: line.number, reason: reason)
    }
    switch line.kind {
    case .blank:
      // configparser keeps a blank line inside a value; trailing ones are trimmed at the end.
      if valueOpen { appendToValue("") }
    case .comment:
      break
    case .continuation:
      appendToValue(INIFile.text(buffer, line.value.lowerBound, line.value.upperBound))
    case .header:
      let name = INIFile.text(buffer, line.name.lowerBound, line.name.upperBound)
      valueOpen = false
      if name == "DEFAULT" {
        current = -1
        return
      }
      guard seen.insert(name).inserted else { throw fail("section [\(name)] appears twice.") }
      sections.append(INISection(header: name, line: line.number))
      current = sections.count - 1
    case .option:
      guard let index = current else { throw fail("a key stands before any [section].") }
      let key = INIFile.lowercasedASCII(buffer, line.name.lowerBound, line.name.upperBound)
      let value = INIFile.text(buffer, line.value.lowerBound, line.value.upperBound)
      let owner = index < 0 ? defaults : sections[index]
      if owner.keys.contains(key) { throw fail("key '\(key)' appears twice in [\(owner.header)].") }
      if index < 0 {
        defaults.keys.append(key)
        defaults.values.append(value)
      } else {
        sections[index].keys.append(key)
        sections[index].values.append(value)
      }
      valueOpen = true
    case .invalid:
      let text = buffer[line.start..<line.end]
      if text.first(where: { $0 != 32 && $0 != 9 }) == 91 {
        throw fail("a section header lacks its closing ']' or a name.")
      }
      if !line.inSection { throw fail("a key stands before any [section].") }
      throw fail(
        text.contains { $0 == 61 || $0 == 58 }
          ? "a line has a value but no key." : "expected 'key = value', a [section] or a comment.")
    }
  }

  mutating func appendToValue(_ line: String) {
    guard let index = current else { return }
    if index < 0 {
      guard !defaults.values.isEmpty else { return }
      defaults.values[defaults.values.count - 1] += "\n" + line
    } else {
      guard !sections[index].values.isEmpty else { return }
      sections[index].values[sections[index].values.count - 1] += "\n" + line
    }
  }

  /// The sections with values finished as configparser finishes them (trailing blank lines
  /// dropped; a nested block must be `key = value` lines, as botocore parses it), `DEFAULT`'s
  /// keys added under each section's own when `mergingDefaults`.
  mutating func finish(mergingDefaults: Bool) throws(INIParseError) -> [INISection] {
    defaults.values = defaults.values.map(Self.trimmedValue)
    for index in sections.indices {
      sections[index].values = sections[index].values.map(Self.trimmedValue)
      for (key, value) in zip(sections[index].keys, sections[index].values)
      where !Self.isNestedBlockValid(value) {
        throw INIParseError(
          path: path, line: sections[index].line,
          reason:
            "the nested block of '\(key)' in [\(sections[index].header)] has a line without '='.")
      }
      guard mergingDefaults else { continue }
      for (key, value) in zip(defaults.keys, defaults.values) where sections[index][key] == nil {
        sections[index].keys.append(key)
        sections[index].values.append(value)
      }
    }
    return sections
  }

  /// A joined value without the trailing blank lines configparser strips.
  static func trimmedValue(_ value: String) -> String {
    guard value.hasSuffix("\n") else { return value }
    var result = Substring(value)
    while result.last == "\n" { result = result.dropLast() }
    return String(result)
  }

  /// Whether a value that starts a nested block (an empty first line) has `=` on every other
  /// non-blank line, as botocore's `_parse_nested` requires.
  static func isNestedBlockValid(_ value: String) -> Bool {
    guard value.hasPrefix("\n") else { return true }
    return value.split(separator: "\n").allSatisfy { line in
      line.allSatisfy { $0 == " " || $0 == "\t" } || line.contains("=")
    }
  }
}
