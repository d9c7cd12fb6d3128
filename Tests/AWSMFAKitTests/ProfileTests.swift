import AWSMFAKit
import Testing

func makeConfig(_ config: String, _ credentials: String = "") throws -> SharedConfig {
  try SharedConfig(
    configPath: "/c", credentialsPath: "/k", configText: config, credentialsText: credentials)
}

@Suite struct ProfileTests {
  let credentials = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRET\n"

  @Test func resolvesRoleChainToSourceKeys() throws {
    let config = try makeConfig(
      """
      [profile base]
      mfa_serial = arn:aws:iam::1:mfa/alice
      region = eu-west-1
      [profile admin]
      role_arn = arn:aws:iam::1:role/admin
      source_profile = base
      external_id = ext
      role_session_name = me
      [profile deeper]
      role_arn = arn:aws:iam::2:role/deep
      source_profile = admin
      region = us-west-2
      """, credentials)
    let deeper = try config.resolve("deeper")
    #expect(deeper.sourceProfile == "base")
    #expect(deeper.keys.accessKeyId == "AKIDBASE")
    #expect(deeper.mfaSerial == "arn:aws:iam::1:mfa/alice")
    #expect(
      deeper.roles.map(\.roleArn) == ["arn:aws:iam::1:role/admin", "arn:aws:iam::2:role/deep"])
    #expect(deeper.roles[0].externalId == "ext")
    #expect(deeper.roles[0].sessionName == "me")
    #expect(deeper.region == "us-west-2")
    #expect(deeper.sessionDuration == 43200)
    #expect(deeper.refreshWindow == 600)
    // Every role profile resting on base shares one MFA session.
    #expect(try config.resolve("admin").sessionIdentity == deeper.sessionIdentity)
    #expect(try config.resolve("admin").targetIdentity != deeper.targetIdentity)
  }

  @Test func quotedProfileHeaderKeepsSpaces() throws {
    let config = try makeConfig(
      "[profile \"my team\"]\nregion = x\n",
      "[my team]\naws_access_key_id=a\naws_secret_access_key=b\n")
    #expect(config.profileNames == ["my team"])
    #expect(try config.resolve("my team").region == "x")
  }

  @Test(arguments: [
    (
      "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = a\n",
      "a", "loops"
    ),
    ("[profile a]\nrole_arn = r\nsource_profile = ghost\n", "a", "ghost"),
    ("[profile a]\nregion = x\n", "a", "no aws_access_key_id"),
    ("[profile a]\nregion = x\n", "zzz", "neither"),
    (
      "[profile a]\nrole_arn = r\ncredential_source = Ec2InstanceMetadata\n", "a",
      "credential_source"
    ),
    ("[profile base]\nawsmfa_session_duration = 12\n", "base", "900 to 129600"),
  ])
  func reportsBrokenChains(config: String, profile: String, fragment: String) throws {
    let parsed = try makeConfig(config, credentials)
    #expect {
      try parsed.resolve(profile)
    } throws: { error in
      String(describing: error).contains(fragment)
    }
  }

  @Test func temporaryKeysAreNotASource() throws {
    let config = try makeConfig(
      "", "[t]\naws_access_key_id=a\naws_secret_access_key=b\naws_session_token=c\n")
    #expect(throws: ConfigError.temporarySourceCredentials(profile: "t")) {
      try config.resolve("t")
    }
  }

  @Test func identityDescriptionRoundTripsOddNames() {
    let identity = SessionIdentity(
      kind: .role, profile: "we;ird %name\n", device: "arn:x;y", fingerprint: "00ff")
    #expect(SessionIdentity(keyDescription: identity.keyDescription) == identity)
    #expect(!identity.keyDescription.contains("\n"))
  }
}
