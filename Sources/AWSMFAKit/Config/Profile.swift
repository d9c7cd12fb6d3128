/// Long-term (or, rejected later, temporary) keys read from a credentials or config file.
public struct StaticKeys: Sendable, Equatable {
  public var accessKeyId: String
  public var secretAccessKey: String
  public var sessionToken: String?

  public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }
}

/// One AssumeRole step of a profile chain.
public struct RoleHop: Sendable, Equatable {
  /// The profile that declares the role.
  public var profile: String
  public var roleArn: String
  public var sessionName: String?
  public var externalId: String?
  public var durationSeconds: Int?
}

/// A profile with its `source_profile` chain followed to the long-term keys.
public struct ResolvedProfile: Sendable, Equatable {
  /// The profile asked for.
  public var name: String
  /// The profile whose long-term keys start the chain.
  public var sourceProfile: String
  public var keys: StaticKeys
  /// The MFA device: the nearest `mfa_serial` from the asked-for profile towards the source.
  public var mfaSerial: String?
  /// Roles to assume in order, starting from the source identity.
  public var roles: [RoleHop]
  public var region: String?
  /// GetSessionToken lifetime in seconds (`awsmfa_session_duration`).
  public var sessionDuration: Int
  /// Refresh when fewer seconds than this remain (`awsmfa_refresh_window`).
  public var refreshWindow: Int
  public var oathAccount: String?
  public var yubikeySerial: String?
  public var mfaProcess: String?
  /// `sts_regional_endpoints` of the asked-for profile.
  public var stsRegionalEndpoints: String?
  /// `endpoint_url` of the asked-for profile.
  public var endpointURL: String?
  /// `ServiceEndpoint.cacheScope` of the profile's STS endpoint: part of every cache key, so that
  /// credentials from one endpoint are never served for another.
  public var endpointScope = ""

  /// The keyring identity of the MFA session this profile rests on.
  public var sessionIdentity: SessionIdentity {
    SessionIdentity(
      kind: .session, profile: sourceProfile, device: mfaSerial ?? "-",
      fingerprint: Fingerprint.of([keys.accessKeyId, mfaSerial ?? ""] + scopePart))
  }

  /// The endpoint scope as a fingerprint part; none for AWS's commercial partition, whose keys
  /// were named before scopes existed.
  var scopePart: [String] { endpointScope.isEmpty ? [] : ["endpoint=" + endpointScope] }

  /// The keyring identity of the credentials `env` hands out for this profile.
  public var targetIdentity: SessionIdentity {
    guard !roles.isEmpty else { return sessionIdentity }
    var parts = [keys.accessKeyId, mfaSerial ?? ""] + scopePart
    for hop in roles {
      parts += [
        hop.roleArn, hop.sessionName ?? "", hop.externalId ?? "", String(hop.durationSeconds ?? 0),
      ]
    }
    return SessionIdentity(
      kind: .role, profile: name, device: mfaSerial ?? "-", fingerprint: Fingerprint.of(parts))
  }
}

extension SharedConfig {
  /// Follows `name`'s `source_profile` chain to the long-term keys, as the AWS CLI does.
  public func resolve(_ name: String) throws(ConfigError) -> ResolvedProfile {
    guard hasProfile(name) else {
      throw .unknownProfile(name, configPath: configPath, credentialsPath: credentialsPath)
    }
    var chain: [String] = []
    var roles: [RoleHop] = []
    var current = name
    var firstSet: [String: String] = [:]
    let inherited = [
      "mfa_serial", "region", "awsmfa_oath_account", "awsmfa_yubikey_serial", "mfa_process",
      "awsmfa_session_duration", "awsmfa_refresh_window",
    ]
    while true {
      if chain.contains(current) {
        throw .cycle(chain + [current])
      }
      chain.append(current)
      for key in inherited where firstSet[key] == nil {
        if let value = value(key, profile: current), !value.isEmpty { firstSet[key] = value }
      }
      let keys = staticKeys(current)
      if let roleArn = value("role_arn", profile: current) {
        if value("credential_source", profile: current) != nil {
          throw .unsupported(profile: current, key: "credential_source")
        }
        if value("web_identity_token_file", profile: current) != nil {
          throw .unsupported(profile: current, key: "web_identity_token_file")
        }
        let duration = try intValue("duration_seconds", profile: current, range: 900...43200)
        roles.insert(
          RoleHop(
            profile: current, roleArn: roleArn,
            sessionName: value("role_session_name", profile: current),
            externalId: value("external_id", profile: current), durationSeconds: duration), at: 0)
        guard let source = value("source_profile", profile: current) else {
          throw .unsupported(profile: current, key: "role_arn without source_profile")
        }
        // botocore allows a profile to name itself as source when it holds keys.
        if source == current, keys != nil {
          return try finish(
            name: name, source: current, keys: keys, roles: roles, firstSet: firstSet)
        }
        guard hasProfile(source) else {
          throw .unknownSourceProfile(profile: current, source: source)
        }
        current = source
        continue
      }
      return try finish(name: name, source: current, keys: keys, roles: roles, firstSet: firstSet)
    }
  }

  private func finish(
    name: String, source: String, keys: StaticKeys?, roles: [RoleHop], firstSet: [String: String]
  ) throws(ConfigError) -> ResolvedProfile {
    guard let keys else {
      if value("credential_process", profile: source) != nil {
        // Most often `credential_process = awsmfa env …`: following it would run awsmfa again.
        throw .unsupported(
          profile: source,
          key:
            "credential_process as its source of keys (awsmfa starts from long-term keys; a profile that runs awsmfa cannot also feed it)"
        )
      }
      throw .missingCredentials(profile: source, credentialsPath: credentialsPath)
    }
    if keys.sessionToken != nil {
      throw .temporarySourceCredentials(profile: source)
    }
    let sessionDuration =
      try parseInt(
        firstSet["awsmfa_session_duration"], profile: name, key: "awsmfa_session_duration",
        range: 900...129600) ?? 43200
    let window =
      try parseInt(
        firstSet["awsmfa_refresh_window"], profile: name, key: "awsmfa_refresh_window",
        range: 0...43200) ?? 600
    if let region = firstSet["region"], !ServiceEndpoint.isValidRegion(region) {
      // It becomes part of a host name and is exported to the shell: refuse before either.
      throw .invalidValue(
        profile: name, key: "region", value: region,
        expected: "a region name (letters, digits and hyphens, such as eu-west-1)")
    }
    var resolved = ResolvedProfile(
      name: name, sourceProfile: source, keys: keys, mfaSerial: firstSet["mfa_serial"],
      roles: roles,
      region: firstSet["region"], sessionDuration: sessionDuration, refreshWindow: window,
      oathAccount: firstSet["awsmfa_oath_account"],
      yubikeySerial: firstSet["awsmfa_yubikey_serial"],
      mfaProcess: firstSet["mfa_process"],
      stsRegionalEndpoints: value("sts_regional_endpoints", profile: name),
      endpointURL: value("endpoint_url", profile: name))
    if let environment = endpointEnvironment {
      do {
        resolved.endpointScope =
          try ServiceEndpoint.resolve(service: "sts", profile: resolved, environment: environment)
          .cacheScope
      } catch {
        throw .endpoint(error)
      }
    }
    return resolved
  }

  /// Keys from the credentials file's section, else from the config file's profile.
  func staticKeys(_ profile: String) -> StaticKeys? {
    for section in [credentialsSection(profile), configSection(profile)] {
      guard let section, let id = section["aws_access_key_id"], !id.isEmpty,
        let secret = section["aws_secret_access_key"], !secret.isEmpty
      else { continue }
      let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
      return StaticKeys(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }
    return nil
  }

  private func intValue(_ key: String, profile: String, range: ClosedRange<Int>) throws(ConfigError)
    -> Int?
  {
    try parseInt(value(key, profile: profile), profile: profile, key: key, range: range)
  }

  private func parseInt(_ text: String?, profile: String, key: String, range: ClosedRange<Int>)
    throws(ConfigError) -> Int?
  {
    guard let text else { return nil }
    guard let number = Int(text), range.contains(number) else {
      throw .invalidValue(
        profile: profile, key: key, value: text,
        expected: "a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }
}
