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

  /// One section header.
  struct Entry: Sendable {
    var kind: Kind
    /// FNV-1a of the name the section is looked up by.
    var hash: UInt64
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
  let entries: [Entry]
  /// Entry indices by name hash (built for many lookups: `list`, completion of everything).
  let index: [UInt64: [Int]]?

  init(bytes: [UInt8], path: String, isConfig: Bool, indexed: Bool) {
    self.bytes = bytes
    self.path = path
    var entries: [Entry] = []
    bytes.withUnsafeBufferPointer { buffer in
      INIScanner.scan(buffer, detail: false) { line in
        guard line.kind == .header else { return true }
        if let last = entries.indices.last {
          entries[last].body = entries[last].body.lowerBound..<line.start
        }
        entries.append(
          Self.entry(
            buffer, header: line.name, line: line.number, body: line.next..<bytes.count,
            isConfig: isConfig))
        return true
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

  /// Classifies one header and finds the name it is looked up by.
  static func entry(
    _ buffer: UnsafeBufferPointer<UInt8>, header: Range<Int>, line: Int, body: Range<Int>,
    isConfig: Bool
  ) -> Entry {
    var entry = Entry(kind: .other, hash: 0, header: header, line: line, body: body)
    let bytes = buffer[header]
    if bytes.elementsEqual("DEFAULT".utf8) {
      entry.kind = .defaults
      return entry
    }
    guard isConfig else {
      entry.kind = .profile
      entry.name = header
      entry.hash = fnv(bytes)
      return entry
    }
    if bytes.elementsEqual("default".utf8) {
      entry.kind = .profile
      entry.name = header
      entry.hash = fnv(bytes)
      return entry
    }
    for (kind, word) in [(Kind.profile, "profile"), (.services, "services")]
    where bytes.starts(with: word.utf8) {
      let wordEnd = header.lowerBound + word.utf8.count
      let plain =
        wordEnd + 1 < header.upperBound && buffer[wordEnd] == 32
        && !buffer[(wordEnd + 1)..<header.upperBound].contains(where: isShellSpecial)
      if plain {
        entry.name = (wordEnd + 1)..<header.upperBound
        entry.hash = fnv(buffer[(wordEnd + 1)..<header.upperBound])
      } else {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let name = PythonShlex.sectionName(text, kind: word) else { return entry }
        entry.nameText = name
        entry.hash = fnv(name.utf8)
      }
      entry.kind = kind
      return entry
    }
    return entry
  }

  /// Bytes after which a header's name is not simply the rest of it (shlex would change it).
  static func isShellSpecial(_ byte: UInt8) -> Bool {
    byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 34 || byte == 39 || byte == 92
  }

  /// FNV-1a, 64 bit.
  static func fnv<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// The name `entry` is looked up by.
  func name(of entry: Entry) -> String {
    if let text = entry.nameText { return text }
    guard let range = entry.name else { return "" }
    return bytes.withUnsafeBufferPointer { INIFile.text($0, range.lowerBound, range.upperBound) }
  }

  /// Whether `entry` is named `name`.
  func matches(_ entry: Entry, _ name: String) -> Bool {
    if let text = entry.nameText { return text == name }
    guard let range = entry.name else { return false }
    return bytes[range].elementsEqual(name.utf8)
  }

  /// The entry of section `name` of `kind`: botocore's map keeps the last one of a name.
  func lookup(_ name: String, kind: Kind = .profile) -> Int? {
    let hash = Self.fnv(name.utf8)
    if let index {
      return index[hash]?.last { entries[$0].kind == kind && matches(entries[$0], name) }
    }
    var found: Int?
    for position in entries.indices
    where entries[position].hash == hash && entries[position].kind == kind
      && matches(entries[position], name)
    {
      found = position
    }
    return found
  }

  /// Profile `name`'s keys over the file's `DEFAULT` keys, or nil when the file lacks it.
  func section(for name: String) throws(ConfigError) -> INISection? {
    try section(kind: .profile, name: name)
  }

  /// Section `name` of `kind`, its keys over the file's `DEFAULT` keys.
  func section(kind: Kind, name: String) throws(ConfigError) -> INISection? {
    guard let position = lookup(name, kind: kind) else { return nil }
    var section = try parse(entries[position])
    for entry in entries where entry.kind == .defaults {
      let defaults = try parse(entry)
      for (key, value) in zip(defaults.keys, defaults.values) where section[key] == nil {
        section.keys.append(key)
        section.values.append(value)
      }
    }
    return section
  }

  func parse(_ entry: Entry) throws(ConfigError) -> INISection {
    let header = bytes.withUnsafeBufferPointer {
      INIFile.text($0, entry.header.lowerBound, entry.header.upperBound)
    }
    do {
      return try bytes.withUnsafeBufferPointer { (buffer) throws(INIParseError) -> INISection in
        try INIFile.section(
          buffer, header: header, line: entry.line, body: entry.body, path: path)
      }
    } catch {
      throw .malformed(error)
    }
  }

  /// Profile names in the order each first appears.
  func profileNames() -> [String] {
    var seen: Set<String> = []
    var names: [String] = []
    for entry in entries where entry.kind == .profile {
      let name = name(of: entry)
      if seen.insert(name).inserted { names.append(name) }
    }
    return names
  }
}
