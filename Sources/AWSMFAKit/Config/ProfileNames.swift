/// Profile names for tab completion, read from the section headers of the config and
/// credentials files alone: no keys are parsed, nothing is validated, a broken file yields what
/// it can. Served by the front binary, so a TAB costs a process start and one pass over bytes;
/// only names that match the prefix become Strings (10 000 profiles: ~1 ms).
public enum ProfileNames {
  /// Names in both files that start with `prefix`, config file first, each once.
  public static func matching(_ prefix: String, environment: Environment) -> [String] {
    let home = environment.home
    let configPath =
      environment.nonEmpty("AWS_CONFIG_FILE").map {
        SharedConfig.expandTilde($0, home: home)
      } ?? home + "/.aws/config"
    let credentialsPath =
      environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map {
        SharedConfig.expandTilde($0, home: home)
      } ?? home + "/.aws/credentials"
    let wanted = Array(prefix.utf8)
    var seen: Set<String> = []
    var names: [String] = []
    for (path, isConfig) in [(configPath, true), (credentialsPath, false)] {
      guard case .success(let bytes) = FileIO.readBytes(path: path) else { continue }
      bytes.withUnsafeBufferPointer { buffer in
        forEachHeader(buffer) { header in
          guard let name = isConfig ? configName(buffer, header) : header,
            name.count >= wanted.count, buffer[name.prefix(wanted.count)].elementsEqual(wanted)
          else { return }
          let text = String(decoding: buffer[name], as: UTF8.self)
          if seen.insert(text).inserted { names.append(text) }
        }
      }
    }
    return names
  }

  /// The profile a config header names, as `SharedConfig.profileName(fromConfigHeader:)` reads it.
  static func configName(_ bytes: UnsafeBufferPointer<UInt8>, _ header: Range<Int>) -> Range<Int>? {
    if bytes[header].elementsEqual("default".utf8) { return header }
    guard bytes[header].starts(with: "profile".utf8), header.count > 7,
      bytes[header.lowerBound + 7] == 0x20 || bytes[header.lowerBound + 7] == 0x09
    else { return nil }
    var start = header.lowerBound + 8
    while start < header.upperBound, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
    var name = start..<header.upperBound
    // botocore splits the header with shlex, so a quoted name keeps its spaces.
    if name.count >= 2, bytes[start] == 0x22 || bytes[start] == 0x27,
      bytes[name.upperBound - 1] == bytes[start]
    {
      name = (start + 1)..<(name.upperBound - 1)
    }
    return name.isEmpty ? nil : name
  }

  /// Calls `body` with the inside of each `[...]` header, trimmed, skipping continuation lines
  /// as `INIFile` does.
  static func forEachHeader(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
    func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    var lastKeyIndent = -1
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count, bytes[end] != 0x0A { end += 1 }
      var first = start
      while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
      var last = end
      while last > first, isBlank(bytes[last - 1]) { last -= 1 }
      let indent = first - start
      if first < last, bytes[first] != 0x23, bytes[first] != 0x3B {
        if indent > 0, lastKeyIndent >= 0, indent > lastKeyIndent {
          // A continuation line of the previous value.
        } else if bytes[first] == 0x5B, bytes[last - 1] == 0x5D, last - first >= 2 {
          var inner = (first + 1)..<(last - 1)
          while !inner.isEmpty, isBlank(bytes[inner.lowerBound]) {
            inner = (inner.lowerBound + 1)..<inner.upperBound
          }
          while !inner.isEmpty, isBlank(bytes[inner.upperBound - 1]) {
            inner = inner.lowerBound..<(inner.upperBound - 1)
          }
          body(inner)
          lastKeyIndent = -1
        } else {
          lastKeyIndent = indent
        }
      }
      start = end + 1
    }
  }
}
