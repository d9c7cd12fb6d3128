/// The AWS shared config and credentials files, with profiles looked up by name as botocore
/// builds its profile map.
///
/// Loading reads both files and walks their section headers once; a profile's keys are parsed
/// when it is looked up. So the cached `env` of one profile in a file of 10 000 costs one pass
/// over the headers and the few sections of its chain, and `list` (which validates everything
/// and indexes every name) stays linear in the file size.
package struct SharedConfig: Sendable {
  /// Path of the config file that was read (or would have been).
  package var configPath: String
  /// Path of the credentials file that was read (or would have been).
  package var credentialsPath: String
  /// The environment the files were found through; `resolve` uses it to work out each profile's
  /// STS endpoint (and so its cache scope). Nil for a config built from text alone.
  package var endpointEnvironment: Environment?
  let config: INIDocument
  let credentials: INIDocument

  /// A config from the two files' text (tests, and callers that read the files themselves).
  package init(
    configPath: String, credentialsPath: String, configText: String, credentialsText: String,
    validate: Bool = true
  ) throws(ConfigError) {
    try self.init(
      configPath: configPath, credentialsPath: credentialsPath,
      configBytes: Array(configText.utf8), credentialsBytes: Array(credentialsText.utf8),
      validate: validate)
  }

  /// A config from the two files' bytes. `validate` parses every section (so that a malformed
  /// line anywhere is an error, as for the AWS CLI) and indexes every name for many lookups;
  /// without it only the headers are walked.
  init(
    configPath: String, credentialsPath: String, configBytes: [UInt8], credentialsBytes: [UInt8],
    validate: Bool
  ) throws(ConfigError) {
    self.configPath = configPath
    self.credentialsPath = credentialsPath
    if validate {
      do {
        _ = try INIFile.parse(bytes: configBytes, path: configPath)
        _ = try INIFile.parse(bytes: credentialsBytes, path: credentialsPath)
      } catch {
        throw .malformed(error)
      }
    }
    config = INIDocument(bytes: configBytes, path: configPath, isConfig: true, indexed: validate)
    credentials = INIDocument(
      bytes: credentialsBytes, path: credentialsPath, isConfig: false, indexed: validate)
  }

  /// Reads both files from the paths the environment names (missing files are empty);
  /// `validate` as for `init`.
  package static func load(environment: Environment, validate: Bool = true) throws(ConfigError)
    -> SharedConfig
  {
    let (configPath, credentialsPath) = paths(environment: environment)
    var config = try SharedConfig(
      configPath: configPath, credentialsPath: credentialsPath,
      configBytes: try readFile(configPath), credentialsBytes: try readFile(credentialsPath),
      validate: validate)
    config.endpointEnvironment = environment
    return config
  }

  /// Where the config and credentials files are: `AWS_CONFIG_FILE` and
  /// `AWS_SHARED_CREDENTIALS_FILE` (variables and `~` expanded), else under `~/.aws`.
  package static func paths(environment: Environment) -> (config: String, credentials: String) {
    let home = environment.home
    // Set but empty names no file at all, as for botocore.
    let config =
      environment["AWS_CONFIG_FILE"].map { expandPath($0, environment: environment) }
      ?? home + "/.aws/config"
    let credentials =
      environment["AWS_SHARED_CREDENTIALS_FILE"].map { expandPath($0, environment: environment) }
      ?? home + "/.aws/credentials"
    return (config, credentials)
  }

  /// Every profile name as botocore lists them: the config file's in the order each name first
  /// appears, then names only the credentials file has.
  package var profileNames: [String] {
    var names = config.profileNames()
    var seen = Set(names)
    for name in credentials.profileNames() where seen.insert(name).inserted { names.append(name) }
    return names
  }

  /// Profile `name` as botocore's profile map holds it: the config file's section (the later of
  /// `[default]` and `[profile default]`) over its `DEFAULT` keys, with the credentials file's
  /// section (over that file's `DEFAULT`) laid on top; nil when neither file has it.
  package func settings(_ name: String) throws(ConfigError) -> ProfileSettings? {
    let fromConfig = try config.section(for: name)
    let fromCredentials = try credentials.section(for: name)
    guard fromConfig != nil || fromCredentials != nil else { return nil }
    var merged = fromConfig ?? INISection(header: name, line: 0)
    if let fromCredentials {
      for (key, value) in zip(fromCredentials.keys, fromCredentials.values) {
        merged.set(key, value)
      }
    }
    return ProfileSettings(
      merged: merged, config: fromConfig, credentials: fromCredentials)
  }

  /// The keys of `[services NAME]` in the config file, nested blocks unparsed.
  package func servicesSection(_ name: String) throws(ConfigError) -> INISection? {
    try config.section(kind: .services, name: name)
  }

  static func readFile(_ path: String) throws(ConfigError) -> [UInt8] {
    guard !path.isEmpty else { return [] }
    switch FileIO.readBytes(path: path) {
    case .success(let value): return value
    case .failure(let error):
      if error.code == FileIO.ENOENT_ { return [] }
      throw .unreadable(path: path, reason: error.message)
    }
  }

  /// The profile name a config-file header stands for, or nil for other section kinds:
  /// `default` exactly, or a header starting with `profile` that shlex splits into two words.
  package static func profileName(fromConfigHeader header: String) -> String? {
    if header == "default" { return "default" }
    return PythonShlex.sectionName(header, kind: "profile")
  }

  /// `path` with `$VAR`/`${VAR}` and a leading `~` expanded, as botocore expands
  /// `AWS_CONFIG_FILE` (`os.path.expandvars`, then `expanduser`).
  static func expandPath(_ path: String, environment: Environment) -> String {
    var out = ""
    var rest = Substring(path)
    while let dollar = rest.firstIndex(of: "$") {
      out += rest[..<dollar]
      var after = rest[rest.index(after: dollar)...]
      var name: Substring
      var consumed: Substring.Index
      if after.first == "{", let close = after.firstIndex(of: "}") {
        name = after[after.index(after: after.startIndex)..<close]
        consumed = after.index(after: close)
      } else {
        name = after.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        consumed = name.endIndex
      }
      if !name.isEmpty, let value = environment[String(name)] {
        out += value
      } else {
        out += rest[dollar..<consumed]
      }
      after = rest[consumed...]
      rest = after
    }
    out += rest
    if out == "~" || out.hasPrefix("~/") { return environment.home + out.dropFirst() }
    return out
  }
}

/// One profile's keys as botocore's merged profile map holds them, plus each file's own section
/// (botocore reads long-term keys from one file at a time).
package struct ProfileSettings: Sendable, Equatable {
  package var merged: INISection
  package var config: INISection?
  package var credentials: INISection?

  /// The value of `key` in the merged view.
  package subscript(key: String) -> String? { merged[key] }
}

extension INISection {
  /// Sets `key` to `value`, in place when present, else at the end.
  mutating func set(_ key: String, _ value: String) {
    if let index = keys.firstIndex(of: key) {
      values[index] = value
    } else {
      keys.append(key)
      values.append(value)
    }
  }
}
