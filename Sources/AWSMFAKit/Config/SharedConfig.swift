/// The AWS shared config and credentials files, read once, with profiles looked up by name.
public struct SharedConfig: Sendable {
  /// Path of the config file that was read (or would have been).
  public var configPath: String
  /// Path of the credentials file that was read (or would have been).
  public var credentialsPath: String
  /// `[default]` / `[profile NAME]` sections of the config file, by profile name.
  public var profiles: [String: INISection]
  /// Sections of the credentials file, by profile name.
  public var credentials: [String: INISection]
  /// Profile names in the order they first appear (config file, then credentials file).
  public var profileNames: [String]

  /// Builds a config from already-parsed sections.
  public init(
    configPath: String, credentialsPath: String, configSections: [INISection],
    credentialSections: [INISection]
  ) {
    self.configPath = configPath
    self.credentialsPath = credentialsPath
    var profiles: [String: INISection] = [:]
    var names: [String] = []
    for section in configSections {
      guard let name = Self.profileName(fromConfigHeader: section.header) else { continue }
      // `[profile default]` and `[default]` name the same profile; botocore lets the former win.
      if profiles[name] == nil || section.header.hasPrefix("profile") {
        profiles[name] = section
      }
      if !names.contains(name) { names.append(name) }
    }
    var credentials: [String: INISection] = [:]
    for section in credentialSections {
      credentials[section.header] = section
      if profiles[section.header] == nil && !names.contains(section.header) {
        names.append(section.header)
      }
    }
    self.profiles = profiles
    self.credentials = credentials
    self.profileNames = names
  }

  /// Reads both files from the paths the environment names (missing files are empty).
  public static func load(environment: Environment) throws(ConfigError) -> SharedConfig {
    let home = environment["HOME"] ?? "~"
    let configPath = environment.nonEmpty("AWS_CONFIG_FILE").map { expandTilde($0, home: home) }
      ?? home + "/.aws/config"
    let credentialsPath =
      environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map { expandTilde($0, home: home) }
      ?? home + "/.aws/credentials"
    let configSections = try parseFile(configPath)
    let credentialSections = try parseFile(credentialsPath)
    return SharedConfig(
      configPath: configPath, credentialsPath: credentialsPath, configSections: configSections,
      credentialSections: credentialSections)
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
    profiles[name] != nil || credentials[name] != nil
  }

  /// A key of profile `name` from the config file.
  public func value(_ key: String, profile name: String) -> String? {
    profiles[name]?[key]
  }

  static func parseFile(_ path: String) throws(ConfigError) -> [INISection] {
    let text: String
    switch FileIO.readText(path: path) {
    case .success(let value): text = value
    case .failure(let error):
      if error.code == FileIO.ENOENT_ { return [] }
      throw .unreadable(path: path, reason: error.message)
    }
    do {
      return try INIFile.parse(text, path: path)
    } catch {
      throw .malformed(error)
    }
  }

  static func expandTilde(_ path: String, home: String) -> String {
    path.hasPrefix("~/") ? home + path.dropFirst() : path
  }
}
