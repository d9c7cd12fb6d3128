#if canImport(Glibc)
  import Glibc
#endif

/// One config or credentials file: its bytes and its section headers, each with the name
/// botocore looks it up by. Sections are parsed only when looked up.
struct INIDocument: Sendable {
  /// What a section is to botocore.
  enum Kind: UInt8, Sendable {
    /// A profile: `[default]`/`[profile NAME]` in the config file, any section in credentials.
    case profile
    /// `[services NAME]` (config file).
    case services
    /// configparser's `[DEFAULT]`, whose keys every section inherits.
    case defaults
    /// Anything else (`[sso-session …]`, `[plugins]`, a header botocore skips).
    case other
  }

  /// One section header, compact (a file may hold tens of thousands): the rest is read again
  /// from the header's line when a lookup needs it.
  struct Entry: Sendable {
    /// FNV-1a of the header's text as it stands (`profile NAME`, `default`, `DEFAULT`, …).
    var hash: UInt64
    /// Offset of the header's line.
    var start: UInt32
    /// 1-based line number of the header (0 when walked without line numbers).
    var line: UInt32
    /// The header's text is not its name plus one space and a word (quotes, backslashes, tabs,
    /// runs of spaces: shlex may read it differently), so a lookup examines it in full.
    var irregular: Bool
  }

  /// What a header says, read again from its line.
  struct Header {
    var kind: Kind
    /// The header's bytes between the brackets.
    var header: Range<Int>
    /// The name's bytes, when the name stands verbatim in the header.
    var name: Range<Int>?
    /// The name, when quoting made it differ from the header's bytes.
    var nameText: String?
    var line: Int
    /// The lines after the header, up to the next header.
    var body: Range<Int>
  }

  let bytes: [UInt8]
  let path: String
  let isConfig: Bool
  let entries: [Entry]
  /// Entry indices by header hash (built for many lookups: `list`).
  let index: [UInt64: [Int]]?

  /// Walks the headers of `bytes`: with `indexed`, line by line through `INIScanner` (with line
  /// numbers, then a hash index); without, from `[` to `[` with memchr, which is exact for any
  /// file whose headers start their lines (an indented `[` falls back to the line walk).
  init(bytes: [UInt8], path: String, isConfig: Bool, indexed: Bool) {
    self.bytes = bytes
    self.path = path
    self.isConfig = isConfig
    var entries: [Entry] = []
    bytes.withUnsafeBufferPointer { buffer in
      if indexed || !Self.bracketWalk(buffer, isConfig: isConfig, into: &entries) {
        entries.removeAll()
        Self.lineWalk(buffer, isConfig: isConfig, into: &entries)
      }
    }
    self.entries = entries
    if indexed {
      var index: [UInt64: [Int]] = [:]
      index.reserveCapacity(entries.count)
      for (position, entry) in entries.enumerated() {
        index[entry.hash, default: []].append(position)
      }
      self.index = index
    } else {
      self.index = nil
    }
  }

  /// Every header, found line by line with configparser's rules.
  static func lineWalk(
    _ buffer: UnsafeBufferPointer<UInt8>, isConfig: Bool, into entries: inout [Entry]
  ) {
    INIScanner.scan(buffer, detail: false) { line in
      guard line.kind == .header else { return true }
      entries.append(
        entry(buffer, header: line.name, start: line.start, line: line.number, isConfig: isConfig))
      return true
    }
  }

  /// Every header, found by jumping from `[` to `[`; false when a `[` follows indentation at the
  /// start of a line (configparser's continuation rules then decide, so the line walk must).
  static func bracketWalk(
    _ buffer: UnsafeBufferPointer<UInt8>, isConfig: Bool, into entries: inout [Entry]
  ) -> Bool {
    var position = 0
    while let open = find(91, in: buffer, from: position) {
      position = open + 1
      var before = open
      while before > 0, buffer[before - 1] == 32 || buffer[before - 1] == 9 { before -= 1 }
      if before > 0, buffer[before - 1] != 10, buffer[before - 1] != 13 {
        // Inside a line (a value), unless the byte before could be whitespace configparser
        // skips at a line's start (form feed, Unicode spaces): then let the line walk decide.
        let previous = buffer[before - 1]
        if (11...12).contains(previous) || (28...31).contains(previous) || previous >= 0x80 {
          return false
        }
        continue
      }
      // An indented `[` starts a header or continues a value: configparser's state decides.
      if before < open { return false }
      var end = find(10, in: buffer, from: open) ?? buffer.count
      if let carriage = find(13, in: UnsafeBufferPointer(rebasing: buffer[..<end]), from: open) {
        end = carriage
      }
      let last = INIScanner.trimEnd(buffer, open, end)
      var close = last - 1
      while close > open + 1, buffer[close] != 93 { close -= 1 }
      guard close > open + 1, buffer[close] == 93 else { continue }
      entries.append(
        entry(buffer, header: (open + 1)..<close, start: open, line: 0, isConfig: isConfig))
      position = end
    }
    return true
  }

  /// The compact entry of the header whose inside is `header`.
  static func entry(
    _ buffer: UnsafeBufferPointer<UInt8>, header: Range<Int>, start: Int, line: Int,
    isConfig: Bool
  ) -> Entry {
    var irregular = false
    var previous: UInt8 = 0
    for byte in buffer[header] {
      if isShellSpecial(byte) && (byte != 32 || previous == 32) { irregular = true }
      previous = byte
    }
    if previous == 32 { irregular = true }
    // `[profilex a]` is profile `a` to botocore (the prefix, then shlex): not the plain form.
    for word in prefixes {
      let end = header.lowerBound + word.count
      if end < header.upperBound, buffer[end] != 32,
        buffer[header.lowerBound..<end].elementsEqual(word)
      {
        irregular = true
      }
    }
    return Entry(
      hash: Fingerprint.fnv1a(buffer[header]), start: UInt32(start), line: UInt32(line),
      irregular: isConfig && irregular)
  }

  /// Header words botocore reads as a prefix: `[profileX NAME]` is a profile too.
  static let prefixes = [Array("profile".utf8), Array("services".utf8)]

  /// The offset of the next `byte` at or after `from`.
  static func find(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    guard let base = buffer.baseAddress, from < buffer.count,
      let found = memchr(base + from, Int32(byte), buffer.count - from)
    else { return nil }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
  }

  /// Entry `position` read again from its header line.
  func header(at position: Int) -> Header {
    let entry = entries[position]
    let bodyEnd = position + 1 < entries.count ? Int(entries[position + 1].start) : bytes.count
    return bytes.withUnsafeBufferPointer { buffer in
      var result: Header?
      INIScanner.scan(
        UnsafeBufferPointer(rebasing: buffer[Int(entry.start)..<bodyEnd]), detail: false,
        firstLine: Int(entry.line)
      ) { line in
        let start = Int(entry.start)
        result = Self.header(
          buffer, header: (line.name.lowerBound + start)..<(line.name.upperBound + start),
          line: line.number, body: (line.next + start)..<bodyEnd, isConfig: isConfig)
        return false
      }
      return result ?? Header(kind: .other, header: 0..<0, line: 0, body: 0..<0)
    }
  }

  /// Classifies one header and finds the name it is looked up by.
  static func header(
    _ buffer: UnsafeBufferPointer<UInt8>, header: Range<Int>, line: Int, body: Range<Int>,
    isConfig: Bool
  ) -> Header {
    var entry = Header(kind: .other, header: header, line: line, body: body)
    let bytes = buffer[header]
    if bytes.elementsEqual("DEFAULT".utf8) {
      entry.kind = .defaults
      return entry
    }
    if !isConfig || bytes.elementsEqual("default".utf8) {
      entry.kind = .profile
      entry.name = header
      return entry
    }
    let word: StaticString
    if bytes.starts(with: "profile".utf8) {
      entry.kind = .profile
      word = "profile"
    } else if bytes.starts(with: "services".utf8) {
      entry.kind = .services
      word = "services"
    } else {
      return entry
    }
    let wordEnd = header.lowerBound + word.utf8CodeUnitCount
    var plain = wordEnd + 1 < header.upperBound && buffer[wordEnd] == 32
    if plain {
      for index in (wordEnd + 1)..<header.upperBound where isShellSpecial(buffer[index]) {
        plain = false
        break
      }
    }
    if plain {
      entry.name = (wordEnd + 1)..<header.upperBound
    } else {
      let text = String(decoding: bytes, as: UTF8.self)
      guard let name = PythonShlex.sectionName(text, kind: "\(word)") else {
        entry.kind = .other
        return entry
      }
      entry.nameText = name
    }
    return entry
  }

  /// Bytes after which a header's name is not simply the rest of it (shlex would change it).
  static func isShellSpecial(_ byte: UInt8) -> Bool {
    byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 34 || byte == 39 || byte == 92
  }

  /// The name `header` is looked up by.
  func name(of header: Header) -> String {
    if let text = header.nameText { return text }
    guard let range = header.name else { return "" }
    return bytes.withUnsafeBufferPointer { INIFile.text($0, range.lowerBound, range.upperBound) }
  }

  /// Whether `header` is named `name`.
  func matches(_ header: Header, _ name: String) -> Bool {
    if let text = header.nameText { return text == name }
    guard let range = header.name else { return false }
    return bytes[range].elementsEqual(name.utf8)
  }

  /// The header texts that can stand for section `name` of `kind` when written plainly.
  func plainHeaders(_ name: String, _ kind: Kind) -> [String] {
    switch kind {
    case .profile where !isConfig: return [name]
    case .profile: return name == "default" ? ["profile default", "default"] : ["profile " + name]
    case .services: return ["services " + name]
    case .defaults: return ["DEFAULT"]
    case .other: return []
    }
  }

  /// The header of section `name` of `kind`: botocore's map keeps the last one of a name.
  func lookup(_ name: String, kind: Kind = .profile) -> Header? {
    let hashes = plainHeaders(name, kind).map { Fingerprint.fnv1a($0.utf8) }
    var candidates: [Int]
    if let index {
      candidates = hashes.flatMap { index[$0] ?? [] }
      candidates += entries.indices.lazy.filter { entries[$0].irregular }
      candidates.sort()
    } else {
      candidates = entries.indices.filter {
        entries[$0].irregular || hashes.contains(entries[$0].hash)
      }
    }
    for position in candidates.reversed() {
      let header = header(at: position)
      if header.kind == kind, matches(header, name) { return header }
    }
    return nil
  }

  /// Profile `name`'s keys over the file's `DEFAULT` keys, or nil when the file lacks it.
  func section(for name: String) throws(ConfigError) -> INISection? {
    try section(kind: .profile, name: name)
  }

  /// Section `name` of `kind`, its keys over the file's `DEFAULT` keys.
  func section(kind: Kind, name: String) throws(ConfigError) -> INISection? {
    guard let found = lookup(name, kind: kind) else { return nil }
    var section = try parse(found)
    let defaultsHash = Fingerprint.fnv1a("DEFAULT".utf8)
    for position in entries.indices where entries[position].hash == defaultsHash {
      let found = header(at: position)
      guard found.kind == .defaults else { continue }
      let defaults = try parse(found)
      for (key, value) in zip(defaults.keys, defaults.values) where section[key] == nil {
        section.keys.append(key)
        section.values.append(value)
      }
    }
    return section
  }

  func parse(_ found: Header) throws(ConfigError) -> INISection {
    let header = bytes.withUnsafeBufferPointer {
      INIFile.text($0, found.header.lowerBound, found.header.upperBound)
    }
    do {
      return try bytes.withUnsafeBufferPointer { (buffer) throws(INIParseError) -> INISection in
        try INIFile.section(
          buffer, header: header, line: found.line, body: found.body, path: path)
      }
    } catch {
      throw .malformed(error)
    }
  }

  /// Profile names in the order each first appears.
  func profileNames() -> [String] {
    var seen: Set<String> = []
    var names: [String] = []
    for position in entries.indices {
      let header = header(at: position)
      guard header.kind == .profile else { continue }
      let name = name(of: header)
      if seen.insert(name).inserted { names.append(name) }
    }
    return names
  }
}
