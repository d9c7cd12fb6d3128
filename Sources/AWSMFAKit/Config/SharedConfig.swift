/// The AWS shared config and credentials files, read once, with profiles looked up by name.
public struct SharedConfig: Sendable {
  /// Path of the config file that was read (or would have been).
  public var configPath: String
  /// Path of the credentials file that was read (or would have been).
  public var credentialsPath: String
  /// Profile names of the config file's profile sections, in file order.
  public private(set) var configNames: [String]
  /// The config file's profile sections, parallel to `configNames`.
  public private(set) var configSections: [INISection]
  /// Sections of the credentials file (each header is a profile name), in file order.
  public private(set) var credentialSections: [INISection]
  /// The environment the files were found through; `resolve` uses it to work out each profile's
  /// STS endpoint (and so its cache scope). Nil for a config built from sections alone.
  public var endpointEnvironment: Environment?

  /// Builds a config from already-parsed sections.
  public init(
    configPath: String, credentialsPath: String, configSections: [INISection],
    credentialSections: [INISection]
  ) {
    self.configPath = configPath
    self.credentialsPath = credentialsPath
    var names: [String] = []
    var sections: [INISection] = []
    for section in configSections {
      guard let name = Self.profileName(fromConfigHeader: section.header) else { continue }
      if let existing = names.firstIndex(of: name) {
        // `[profile default]` and `[default]` name the same profile; botocore lets the former win.
        if section.header.hasPrefix("profile") { sections[existing] = section }
        continue
      }
      names.append(name)
      sections.append(section)
    }
    self.configNames = names
    self.configSections = sections
    self.credentialSections = credentialSections
  }

  /// The config file's section for profile `name`.
  public func configSection(_ name: String) -> INISection? {
    configNames.firstIndex(of: name).map { configSections[$0] }
  }

  /// The credentials file's section for profile `name`.
  public func credentialsSection(_ name: String) -> INISection? {
    credentialSections.first { $0.header == name }
  }

  /// Every profile name, config file first, then names only the credentials file has.
  public var profileNames: [String] {
    var seen = Set(configNames)
    var names = configNames
    for section in credentialSections where seen.insert(section.header).inserted {
      names.append(section.header)
    }
    return names
  }

  /// Reads both files from the paths the environment names (missing files are empty).
  public static func load(environment: Environment) throws(ConfigError) -> SharedConfig {
    let home = environment.home
    let configPath =
      environment.nonEmpty("AWS_CONFIG_FILE").map { expandTilde($0, home: home) }
      ?? home + "/.aws/config"
    let credentialsPath =
      environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map { expandTilde($0, home: home) }
      ?? home + "/.aws/credentials"
    let configSections = try parseFile(configPath)
    let credentialSections = try parseFile(credentialsPath)
    var config = SharedConfig(
      configPath: configPath, credentialsPath: credentialsPath, configSections: configSections,
      credentialSections: credentialSections)
    config.endpointEnvironment = environment
    return config
  }

  /// The profile name a config-file header stands for, or nil for other section kinds.
  public static func profileName(fromConfigHeader header: String) -> String? {
    if header == "default" { return "default" }
    guard header.hasPrefix("profile"), let first = header.dropFirst(7).first,
      first == " " || first == "\t"
    else { return nil }
    var name = INIFile.trimmedSpaces(header.dropFirst(8))
    // botocore splits the header with shlex, so a quoted name keeps its spaces.
    if name.count >= 2, let quote = name.first, quote == "\"" || quote == "'", name.last == quote {
      name = name.dropFirst().dropLast()
    }
    return name.isEmpty ? nil : String(name)
  }

  /// Whether either file defines `name`.
  public func hasProfile(_ name: String) -> Bool {
    configNames.contains(name) || credentialSections.contains { $0.header == name }
  }

  /// A key of profile `name` from the config file.
  public func value(_ key: String, profile name: String) -> String? {
    configSection(name)?[key]
  }

  static func parseFile(_ path: String) throws(ConfigError) -> [INISection] {
    let bytes: [UInt8]
    switch FileIO.readBytes(path: path) {
    case .success(let value): bytes = value
    case .failure(let error):
      if error.code == FileIO.ENOENT_ { return [] }
      throw .unreadable(path: path, reason: error.message)
    }
    do {
      return try INIFile.parse(bytes: bytes, path: path)
    } catch {
      throw .malformed(error)
    }
  }

  static func expandTilde(_ path: String, home: String) -> String {
    path.hasPrefix("~/") ? home + path.dropFirst() : path
  }
}
