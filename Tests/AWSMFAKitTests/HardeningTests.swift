import AWSMFAKit
import Foundation
import Testing

/// Values from a config file or the environment that must be refused before they name a server
/// or reach a file, and the endpoint scope of cache keys.
@Suite struct HardeningTests {
  let credentials = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRET\n"

  @Test(arguments: [
    ("eu-west-1", true), ("us-gov-west-1", true), ("cn-north-1", true), ("EU-west-1", true),
    ("x@127.0.0.1:9999/#", false), ("eu west", false), ("-eu", false), ("eu-", false),
    ("123", false), ("", false), (String(repeating: "a", count: 64), false), ("é", false),
    ("eu-1$(x)", false),
  ])
  func regionsAreDNSLabels(region: String, valid: Bool) {
    #expect(ServiceEndpoint.isValidRegion(region) == valid)
  }

  @Test func aHostileProfileRegionIsAConfigurationError() throws {
    let config = try makeConfig("[profile base]\nregion = x@127.0.0.1:9999/#\n", credentials)
    #expect(throws: ConfigError.self) { try config.resolve("base") }
  }

  @Test func aHostileEnvironmentRegionNamesNoServer() throws {
    let environment = Environment(["AWS_DEFAULT_REGION": "evil.example:1/#"])
    #expect(throws: EndpointError.self) {
      try ServiceEndpoint.resolve(service: "sts", profile: nil, environment: environment)
    }
  }

  @Test func cacheKeysCarryTheConfiguredEndpoint() throws {
    var config = try makeConfig(
      "[profile base]\nmfa_serial = arn:aws:iam::1:mfa/a\nregion = eu-west-1\n", credentials)
    config.endpointEnvironment = Environment([:])
    let aws = try config.resolve("base")
    config.endpointEnvironment = Environment(["AWS_DEFAULT_REGION": "us-east-2"])
    #expect(try config.resolve("base").sessionIdentity == aws.sessionIdentity)
    config.endpointEnvironment = Environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:4566"])
    let local = try config.resolve("base")
    config.endpointEnvironment = Environment(["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4567"])
    let other = try config.resolve("base")
    #expect(aws.endpointScope == "")
    #expect(local.sessionIdentity != aws.sessionIdentity)
    #expect(local.sessionIdentity != other.sessionIdentity)
    config = try makeConfig(
      "[profile base]\nmfa_serial = arn:aws:iam::1:mfa/a\nregion = cn-north-1\n", credentials)
    config.endpointEnvironment = Environment([:])
    #expect(try config.resolve("base").endpointScope == "aws-cn")
  }

  @Test(arguments: [
    ("http://127.0.0.1:4566/", false), ("http://localhost:4566", false),
    ("http://[::1]:80/", false),
    ("https://sts.example.com/", false), ("http://sts.example.com/", true),
    ("http://10.0.0.1:4566/", true), ("http://127.evil.com/", true),
  ])
  func plaintextIsFlaggedOnlyOffThisMachine(url: String, flagged: Bool) throws {
    let endpoint = try #require(ServiceEndpoint(url: url, signingRegion: "us-east-1"))
    #expect(endpoint.isPlaintextRemote == flagged)
  }

  @Test(arguments: ["serial\nrole_arn = x", "a\rb", "x\u{1b}[2J", "nul\u{0}", " padded"])
  func configWritesRefuseAnythingButOneSafeLine(value: String) throws {
    let directory = NSTemporaryDirectory() + "awsmfa-write-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/config"
    let original = "# mine\n[profile p]\nregion = eu-west-1\n"
    try original.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: ConfigWriteError.self) {
      try ConfigFileWriter.update(
        path: path, profile: "p", values: [("mfa_serial", value)], now: 1)
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["config"])
  }
}

/// The cached path's memo of a resolution: keyed by everything the resolution read.
@Suite struct ResolutionMemoTests {
  @Test func payloadRoundTripsAndAnyInputChangesTheKey() throws {
    let target = SessionIdentity(kind: .role, profile: "p q", device: "-", fingerprint: "00ff")
    for region in [nil, "eu-west-1", ""] as [String?] {
      let memo = ResolutionMemo(target: target, region: region, refreshWindow: 600)
      #expect(ResolutionMemo(payload: memo.payload) == memo)
    }
    let directory = NSTemporaryDirectory() + "awsmfa-memo-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let config = directory + "/config"
    try "[profile p]\nregion = eu-west-1\n".write(
      toFile: config, atomically: false, encoding: .utf8)
    let environment = Environment(["AWS_CONFIG_FILE": config, "HOME": directory])
    let first = try #require(ResolutionMemo.identity(profile: "p", environment: environment))
    #expect(ResolutionMemo.identity(profile: "p", environment: environment) == first)
    var other = environment
    other["AWS_DEFAULT_REGION"] = "us-east-2"
    #expect(ResolutionMemo.identity(profile: "p", environment: other) != first)
    #expect(ResolutionMemo.identity(profile: "q", environment: environment) != first)
    // Same size, new text: the change time moves (a rename makes a new inode anyway).
    usleep(20_000)
    try "[profile p]\nregion = us-west-1\n".write(
      toFile: config, atomically: false, encoding: .utf8)
    #expect(ResolutionMemo.identity(profile: "p", environment: environment) != first)
  }
}
