/// Profile names for tab completion, read from the section headers of the config and
/// credentials files alone: no keys are parsed, nothing is validated, a broken file yields what
/// it can. Served by the front binary, so a TAB costs a process start and one header walk (the
/// same `INIScanner` walk `env` and `list` use); only names that match the prefix become Strings.
package enum ProfileNames {
  /// Names in both files that start with `prefix`, config file first, each once.
  package static func matching(_ prefix: String, environment: Environment) -> [String] {
    let (configPath, credentialsPath) = SharedConfig.paths(environment: environment)
    let wanted = Array(prefix.utf8)
    var seen: Set<String> = []
    var names: [String] = []
    for (path, isConfig) in [(configPath, true), (credentialsPath, false)] {
      guard case .success(let bytes) = FileIO.readBytes(path: path) else { continue }
      let document = INIDocument(bytes: bytes, path: path, isConfig: isConfig, indexed: false)
      for position in document.entries.indices {
        let entry = document.header(at: position)
        guard entry.kind == .profile else { continue }
        let matches: Bool
        if let text = entry.nameText {
          matches = text.utf8.starts(with: wanted)
        } else if let range = entry.name {
          matches = bytes[range].starts(with: wanted)
        } else {
          matches = false
        }
        guard matches else { continue }
        let name = document.name(of: entry)
        if seen.insert(name).inserted { names.append(name) }
      }
    }
    return names
  }
}
