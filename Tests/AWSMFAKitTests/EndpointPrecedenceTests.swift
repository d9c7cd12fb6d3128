import AWSMFAKit
import Testing

/// Where STS requests go, in botocore's order, without a network: the variable for the service,
/// the general variable, the profile's services section, its endpoint_url, then AWS's own
/// endpoint for the region; `ignore_configured_endpoint_urls` skips the configured ones.
@Suite struct EndpointPrecedenceTests {
  let credentials = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRET\n"
  let config = """
    [profile base]
    region = eu-west-1
    endpoint_url = http://profile.local:1
    services = local

    [services local]
    sts =
      endpoint_url = http://services.local:2
    """

  func url(_ environment: [String: String], config text: String? = nil) throws -> String {
    let profile = try makeConfig(text ?? config, credentials).resolve("base")
    return try ServiceEndpoint.resolve(
      service: "sts", profile: profile, environment: Environment(environment)
    ).url
  }

  @Test func theServiceVariableComesFirst() throws {
    let environment = [
      "AWS_ENDPOINT_URL_STS": "http://sts.local:3", "AWS_ENDPOINT_URL": "http://all.local:4",
    ]
    #expect(try url(environment) == "http://sts.local:3")
  }

  @Test func thenTheGeneralVariable() throws {
    #expect(try url(["AWS_ENDPOINT_URL": "http://all.local:4"]) == "http://all.local:4")
  }

  @Test func thenTheServicesSectionThenEndpointURL() throws {
    #expect(try url([:]) == "http://services.local:2")
    let withoutServices = config.replacingServices()
    #expect(try url([:], config: withoutServices) == "http://profile.local:1")
  }

  @Test func ignoringConfiguredURLsGivesAWSsOwnEndpoint() throws {
    let environment = [
      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_STS": "http://sts.local:3",
    ]
    #expect(try url(environment) == "https://sts.eu-west-1.amazonaws.com/")
  }

  @Test func theRegionVariablePicksAWSsEndpoint() throws {
    let text = "[profile base]\nregion = eu-west-1\n"
    #expect(
      try url(["AWS_DEFAULT_REGION": "us-west-2"], config: text)
        == "https://sts.us-west-2.amazonaws.com/")
  }
}

extension String {
  /// The fixture without its `services =` line.
  fileprivate func replacingServices() -> String {
    split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("services =") }.joined(separator: "\n")
  }
}
