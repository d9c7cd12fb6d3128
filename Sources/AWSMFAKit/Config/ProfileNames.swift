/// Profile names for tab completion, read from the section headers of the config and
/// credentials files alone: no keys are parsed, nothing is validated, a broken file yields what
/// it can. Served by the front binary, so a TAB costs a process start and a scan.
public enum ProfileNames {
  /// Names in both files that start with `prefix`, config file first, each once.
  public static func matching(_ prefix: String, environment: Environment) -> [String] {
    let home = environment["HOME"] ?? "~"
    let configPath = environment.nonEmpty("AWS_CONFIG_FILE").map {
      SharedConfig.expandTilde($0, home: home)
    } ?? home + "/.aws/config"
    let credentialsPath = environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map {
      SharedConfig.expandTilde($0, home: home)
    } ?? home + "/.aws/credentials"
    var seen: Set<String> = []
    var names: [String] = []
    for (path, isConfig) in [(configPath, true), (credentialsPath, false)] {
      guard case .success(let bytes) = FileIO.readBytes(path: path) else { continue }
      for header in headers(bytes) {
        let name = isConfig ? SharedConfig.profileName(fromConfigHeader: header) : header
        guard let name, name.hasPrefix(prefix), seen.insert(name).inserted else { continue }
        names.append(name)
      }
    }
    return names
  }

  /// The `[...]` headers of an INI file, trimmed, skipping continuation lines as `INIFile` does.
  static func headers(_ bytes: [UInt8]) -> [String] {
    var result: [String] = []
    var lastKeyIndent = -1
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count, bytes[end] != 0x0A { end += 1 }
      var first = start
      while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
      var last = end
      while last > first, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D {
        last -= 1
      }
      let indent = first - start
      if first < last, bytes[first] != 0x23, bytes[first] != 0x3B {
        if indent > 0, lastKeyIndent >= 0, indent > lastKeyIndent {
          // A continuation line of the previous value.
        } else if bytes[first] == 0x5B, bytes[last - 1] == 0x5D, last - first >= 2 {
          let inner = String(decoding: bytes[(first + 1)..<(last - 1)], as: UTF8.self)
          result.append(String(INIFile.trimmedSpaces(Substring(inner))))
          lastKeyIndent = -1
        } else {
          lastKeyIndent = indent
        }
      }
      start = end + 1
    }
    return result
  }
}
