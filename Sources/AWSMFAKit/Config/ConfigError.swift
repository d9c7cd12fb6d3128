/// Why the config files could not yield a usable profile; each description is one sentence.
package enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case malformed(INIParseError)
  case unknownProfile(
    String, configPath: String, credentialsPath: String, suggestions: [String] = [])
  case unknownSourceProfile(profile: String, source: String)
  case cycle([String])
  case missingCredentials(profile: String, credentialsPath: String)
  case temporarySourceCredentials(profile: String)
  case unsupported(profile: String, key: String)
  case invalidValue(profile: String, key: String, value: String, expected: String)
  /// An endpoint URL or region that cannot name a server.
  case endpoint(EndpointError)

  /// A few words for a table row (`list`): why the profile cannot be used.
  package var shortReason: String {
    switch self {
    case .unsupported(_, let key):
      if key.hasPrefix("credential_process") { return "not usable: credential_process" }
      if key.hasPrefix("IAM Identity Center") { return "not usable: SSO sign-in" }
      return "not usable: \(key)"
    case .missingCredentials: return "not usable: no keys (and no role_arn)"
    case .temporarySourceCredentials: return "not usable: temporary keys"
    case .unknownSourceProfile(_, let source):
      return "error: no source profile \(Quote.human(source))"
    case .cycle: return "error: source_profile loop"
    case .invalidValue(_, let key, _, _): return "error: bad \(key)"
    case .endpoint: return "error: endpoint settings"
    case .unreadable, .malformed, .unknownProfile: return "error: see awsmfa doctor"
    }
  }

  package var description: String {
    switch self {
    case .unreadable(let path, let reason):
      return "Cannot read \(path): \(reason)."
    case .malformed(let error):
      return "Malformed config file \(error.path), line \(error.line): \(error.reason)"
    case .unknownProfile(let name, let config, let credentials, let suggestions):
      let hint =
        suggestions.isEmpty
        ? "" : " Did you mean \(suggestions.map(Quote.human).joined(separator: " or "))?"
      return "Profile \(Quote.human(name)) is in neither \(config) nor \(credentials).\(hint)"
    case .unknownSourceProfile(let profile, let source):
      return
        "Profile \(Quote.human(profile)) names source_profile \(Quote.human(source)), which does not exist."
    case .cycle(let chain):
      return "The source_profile chain loops: \(chain.map(Quote.human).joined(separator: " -> "))."
    case .missingCredentials(let profile, let path):
      return
        "Profile \(Quote.human(profile)) has no aws_access_key_id and aws_secret_access_key (looked in \(path) and the config file)."
    case .temporarySourceCredentials(let profile):
      return
        "Profile \(Quote.human(profile)) holds temporary credentials (aws_session_token); awsmfa needs long-term access keys to start an MFA session."
    case .unsupported(let profile, let key):
      return "Profile \(Quote.human(profile)) uses \(key), which awsmfa does not support."
    case .endpoint(let error):
      return error.description
    case .invalidValue(let profile, let key, let value, let expected):
      return
        "Profile \(Quote.human(profile)) sets \(key) = \(Quote.human(value)), but it must be \(expected)."
    }
  }
}
