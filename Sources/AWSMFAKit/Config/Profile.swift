/// Long-term (or, rejected later, temporary) keys read from a credentials or config file.
package struct StaticKeys: Sendable, Equatable {
  package var accessKeyId: String
  package var secretAccessKey: String
  package var sessionToken: String?

  package init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }
}

/// One AssumeRole step of a profile chain.
package struct RoleHop: Sendable, Equatable {
  /// The profile that declares the role.
  package var profile: String
  package var roleArn: String
  package var sessionName: String?
  package var externalId: String?
  package var durationSeconds: Int?
}

/// A profile with its `source_profile` chain followed to the long-term keys.
package struct ResolvedProfile: Sendable, Equatable {
  /// The profile asked for.
  package var name: String
  /// The profile whose long-term keys start the chain.
  package var sourceProfile: String
  package var keys: StaticKeys
  /// The MFA device: the nearest `mfa_serial` from the asked-for profile towards the source.
  package var mfaSerial: String?
  /// Roles to assume in order, starting from the source identity.
  package var roles: [RoleHop]
  package var region: String?
  /// GetSessionToken lifetime in seconds (`awsmfa_session_duration`).
  package var sessionDuration: Int
  /// Refresh when fewer seconds than this remain (`awsmfa_refresh_window`).
  package var refreshWindow: Int
  package var oathAccount: String?
  package var yubikeySerial: String?
  package var mfaProcess: String?
  /// `sts_regional_endpoints` of the asked-for profile.
  package var stsRegionalEndpoints: String?
  /// `endpoint_url` of the asked-for profile.
  package var endpointURL: String?
  /// `endpoint_url` of the `sts` block of the profile's `[services NAME]` section.
  package var servicesEndpointURL: String?
  /// `endpoint_url` of the `iam` block of the profile's `[services NAME]` section.
  package var servicesIAMEndpointURL: String?
  /// Why the profile's `services` setting cannot be read (a missing section, a flat value),
  /// which matters, as for botocore, only when the section is consulted.
  package var servicesProblem: String?
  /// `ignore_configured_endpoint_urls` of the asked-for profile.
  package var ignoreConfiguredEndpointURLs: String?
  /// `use_fips_endpoint` of the asked-for profile.
  package var useFIPSEndpoint: String?
  /// `use_dualstack_endpoint` of the asked-for profile.
  package var useDualStackEndpoint: String?
  /// `ca_bundle` of the asked-for profile (botocore reads it from the session's profile only).
  package var caBundle: String?
  /// `ServiceEndpoint.cacheScope` of the profile's STS endpoint: part of every cache key, so that
  /// credentials from one endpoint are never served for another.
  package var endpointScope = ""

  /// The keyring identity of the MFA session this profile rests on.
  package var sessionIdentity: SessionIdentity {
    SessionIdentity(
      kind: .session, profile: sourceProfile, device: mfaSerial ?? "-",
      fingerprint: Fingerprint.of([keys.accessKeyId, mfaSerial ?? ""] + scopePart))
  }

  /// The endpoint scope as a fingerprint part; none for AWS's commercial partition, whose keys
  /// were named before scopes existed.
  var scopePart: [String] { endpointScope.isEmpty ? [] : ["endpoint=" + endpointScope] }

  /// The keyring identity of the credentials `env` hands out for this profile.
  package var targetIdentity: SessionIdentity {
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
  /// Follows `name`'s `source_profile` chain to long-term keys as botocore's AssumeRoleProvider
  /// does: the asked-for profile assumes its `role_arn` even when it holds keys; a source profile
  /// holding keys (`aws_access_key_id` or `aws_secret_access_key`) uses them and its own
  /// `role_arn` is not followed; a profile may name itself as source when it holds keys.
  package func resolve(_ name: String) throws(ConfigError) -> ResolvedProfile {
    // botocore resolves an empty profile name as `default`: refuse it rather than guess.
    guard !name.isEmpty, let asked = try settings(name) else {
      throw .unknownProfile(
        name, configPath: configPath, credentialsPath: credentialsPath,
        suggestions: suggestions(for: name))
    }
    var visited = [name]
    var roles: [RoleHop] = []
    var current = name
    var profile = asked
    var firstSet: [String: String] = [:]
    var isAsked = true
    var minimums: [(profile: String, key: String, value: String?, length: Int)] = []
    // awsmfa's own keys and the MFA device are looked up along the chain (the AWS CLI has no
    // such keys; its per-role mfa_serial becomes awsmfa's one MFA session).
    let inherited = [
      "mfa_serial", "awsmfa_oath_account", "awsmfa_yubikey_serial", "mfa_process",
      "awsmfa_session_duration", "awsmfa_refresh_window",
    ]
    while true {
      for key in inherited where firstSet[key] == nil {
        if let value = profile[key], !value.isEmpty { firstSet[key] = value }
      }
      let assumesRole =
        profile["role_arn"] != nil && profile["web_identity_token_file"] == nil
        && (isAsked || !Self.hasStaticKeys(profile))
      guard assumesRole, let roleArn = profile["role_arn"] else {
        let keys = try sourceKeys(current, profile)
        for check in minimums.reversed() {
          guard let value = check.value else { continue }
          if value.count < check.length || value.hasPrefix("\n") {
            throw .invalidValue(
              profile: check.profile, key: check.key, value: value,
              expected: "at least \(check.length) characters on one line (STS's minimum)")
          }
        }
        return try finish(
          name: name, asked: asked, source: current, keys: keys, roles: roles,
          firstSet: firstSet)
      }
      let source = profile["source_profile"]
      if profile["credential_source"] != nil {
        if source != nil {
          throw .invalidValue(
            profile: current, key: "credential_source", value: profile["credential_source"] ?? "",
            expected: "absent when source_profile is set (the AWS CLI refuses both)")
        }
        throw .unsupported(profile: current, key: "credential_source")
      }
      guard let source else {
        throw .unsupported(profile: current, key: "role_arn without source_profile")
      }
      let duration = try intValue(
        profile["duration_seconds"], profile: current, key: "duration_seconds", range: 900...43200)
      let sessionName = profile["role_session_name"].flatMap { $0.isEmpty ? nil : $0 }
      roles.insert(
        RoleHop(
          profile: current, roleArn: roleArn, sessionName: sessionName,
          externalId: profile["external_id"], durationSeconds: duration), at: 0)
      guard let next = try settings(source) else {
        throw .unknownSourceProfile(profile: current, source: source)
      }
      if visited.contains(source), source != current || !Self.hasStaticKeys(next) {
        throw .cycle(visited + [source])
      }
      // botocore checks each AssumeRole against STS's minimum lengths when it sends it, after
      // the whole chain was found; each hop's own mfa_serial is part of its call.
      minimums += [
        (current, "role_arn", roleArn, 20), (current, "external_id", profile["external_id"], 2),
        (current, "role_session_name", sessionName, 2),
        (current, "mfa_serial", profile["mfa_serial"], 9),
      ]
      visited.append(source)
      current = source
      profile = next
      isAsked = false
    }
  }

  /// Up to three profile names close to `name` (a typo, a different case, a prefix), for "did
  /// you mean". Only a full (indexed) load lists every name; the cached path skips this.
  func suggestions(for name: String) -> [String] {
    guard config.index != nil else { return [] }
    let wanted = Array(name.lowercased().unicodeScalars)
    var scored: [(Int, String)] = []
    for candidate in profileNames {
      let other = Array(candidate.lowercased().unicodeScalars)
      let distance = Self.editDistance(wanted, other, limit: 2)
      if distance <= 2 || (wanted.count >= 3 && other.starts(with: wanted)) {
        scored.append((distance, candidate))
      }
    }
    return scored.sorted { $0.0 < $1.0 }.prefix(3).map(\.1)
  }

  /// Levenshtein distance, or `limit + 1` once it exceeds `limit`.
  static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
      var current = [i + 1] + Array(repeating: 0, count: b.count)
      for (j, y) in b.enumerated() {
        current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
      }
      if current.min() ?? 0 > limit { return limit + 1 }
      previous = current
    }
    return previous[b.count]
  }

  /// Whether botocore counts `profile` as holding static credentials.
  static func hasStaticKeys(_ profile: ProfileSettings) -> Bool {
    profile["aws_access_key_id"] != nil || profile["aws_secret_access_key"] != nil
  }

  /// The long-term keys of `name`, from the first provider botocore would use: its section in
  /// the credentials file, else its section in the config file; SSO, web identity and
  /// credential_process sources are refused.
  func sourceKeys(_ name: String, _ profile: ProfileSettings) throws(ConfigError) -> StaticKeys {
    if profile["web_identity_token_file"] != nil, profile["role_arn"] != nil {
      throw .unsupported(profile: name, key: "web_identity_token_file")
    }
    if profile["sso_session"] != nil || profile["sso_start_url"] != nil {
      throw .unsupported(profile: name, key: "IAM Identity Center (SSO) sign-in")
    }
    // botocore's provider order: credentials-file keys, credential_process, config-file keys.
    for (index, section) in [profile.credentials, profile.config].enumerated() {
      if index == 1, profile["credential_process"] != nil { break }
      guard let section, let id = section["aws_access_key_id"] else { continue }
      guard let secret = section["aws_secret_access_key"], !id.isEmpty, !secret.isEmpty else {
        throw .missingCredentials(profile: name, credentialsPath: credentialsPath)
      }
      let token = (section["aws_security_token"] ?? section["aws_session_token"]).flatMap {
        $0.isEmpty ? nil : $0
      }
      if token != nil { throw .temporarySourceCredentials(profile: name) }
      return StaticKeys(accessKeyId: id, secretAccessKey: secret, sessionToken: token)
    }
    if profile["credential_process"] != nil {
      // Most often `credential_process = awsmfa env …`: following it would run awsmfa again.
      throw .unsupported(
        profile: name,
        key:
          "credential_process as its source of keys (awsmfa starts from long-term keys; a profile that runs awsmfa cannot also feed it)"
      )
    }
    throw .missingCredentials(profile: name, credentialsPath: credentialsPath)
  }

  private func finish(
    name: String, asked: ProfileSettings, source: String, keys: StaticKeys, roles: [RoleHop],
    firstSet: [String: String]
  ) throws(ConfigError) -> ResolvedProfile {
    let sessionDuration =
      try intValue(
        firstSet["awsmfa_session_duration"], profile: name, key: "awsmfa_session_duration",
        range: 900...129600) ?? 43200
    let window =
      try intValue(
        firstSet["awsmfa_refresh_window"], profile: name, key: "awsmfa_refresh_window",
        range: 0...43200) ?? 600
    // botocore reads the region of the asked-for profile only, never along source_profile; an
    // empty one is a region (that names no host), not a missing one.
    let region = asked["region"]
    if let region, !ServiceEndpoint.isValidRegion(region) {
      // It becomes part of a host name and is exported to the shell: refuse before either.
      throw .invalidValue(
        profile: name, key: "region", value: region,
        expected: "a region name (letters, digits and hyphens, such as eu-west-1)")
    }
    var resolved = ResolvedProfile(
      name: name, sourceProfile: source, keys: keys, mfaSerial: firstSet["mfa_serial"],
      roles: roles, region: region, sessionDuration: sessionDuration, refreshWindow: window,
      oathAccount: firstSet["awsmfa_oath_account"],
      yubikeySerial: firstSet["awsmfa_yubikey_serial"],
      mfaProcess: firstSet["mfa_process"],
      stsRegionalEndpoints: asked["sts_regional_endpoints"],
      endpointURL: asked["endpoint_url"])
    resolved.ignoreConfiguredEndpointURLs = asked["ignore_configured_endpoint_urls"]
    resolved.useFIPSEndpoint = asked["use_fips_endpoint"]
    resolved.useDualStackEndpoint = asked["use_dualstack_endpoint"]
    resolved.caBundle = asked["ca_bundle"]
    if let services = asked["services"] {
      if let section = try servicesSection(services) {
        for (key, value) in [("sts", section["sts"]), ("iam", section["iam"])] {
          if let value, !value.hasPrefix("\n") {
            resolved.servicesProblem =
              "[services \(services)] sets \(key) = \(Quote.human(value)), which must be an indented block (\(key) =, then endpoint_url = …)"
          }
        }
        resolved.servicesEndpointURL = Self.nestedValue(section["sts"], "endpoint_url")
        resolved.servicesIAMEndpointURL = Self.nestedValue(section["iam"], "endpoint_url")
      } else {
        resolved.servicesProblem =
          "services = \(Quote.human(services)) names a [services …] section that does not exist"
      }
    }
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

  /// `key`'s value in a nested block (`sts =\n  endpoint_url = …`), as botocore's
  /// `_parse_nested` reads it: split at the first `=`, both sides stripped.
  static func nestedValue(_ block: String?, _ key: String) -> String? {
    guard let block, block.hasPrefix("\n") else { return nil }
    for line in block.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      if INIFile.trimmedSpaces(line[..<equals]) == key {
        return String(INIFile.trimmedSpaces(line[line.index(after: equals)...]))
      }
    }
    return nil
  }

  private func intValue(_ text: String?, profile: String, key: String, range: ClosedRange<Int>)
    throws(ConfigError) -> Int?
  {
    guard let text else { return nil }
    guard let number = Int(INIFile.trimmedSpaces(Substring(text))), range.contains(number) else {
      throw .invalidValue(
        profile: profile, key: key, value: text,
        expected: "a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
    }
    return number
  }
}
