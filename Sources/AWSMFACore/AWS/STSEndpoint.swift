import AWSMFAKit

/// Where STS (or IAM) requests go and which region signs them.
public struct ServiceEndpoint: Sendable, Equatable {
  /// Full URL, scheme to path (`https://sts.eu-west-1.amazonaws.com/`).
  public var url: String
  /// `host[:port]` as the Host header carries it.
  public var host: String
  /// The path requests are POSTed to.
  public var path: String
  /// The region in the credential scope.
  public var signingRegion: String

  /// Splits `url` into host and path; nil when it is not an http(s) URL.
  public init?(url: String, signingRegion: String) {
    let lower = url.lowercased()
    let rest: Substring
    if lower.hasPrefix("https://") {
      rest = url.dropFirst(8)
    } else if lower.hasPrefix("http://") {
      rest = url.dropFirst(7)
    } else {
      return nil
    }
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    var host = String(rest[..<slash])
    guard !host.isEmpty, !host.contains("@") else { return nil }
    // SigV4 signs the Host header as sent: default ports are left out.
    if lower.hasPrefix("https://"), host.hasSuffix(":443") { host.removeLast(4) }
    if lower.hasPrefix("http://"), host.hasSuffix(":80") { host.removeLast(3) }
    let path = slash == rest.endIndex ? "/" : String(rest[slash...])
    self.url = url
    self.host = host
    self.path = path
    self.signingRegion = signingRegion
  }

  /// An AWS endpoint: `https://HOST/`.
  init(host: String, signingRegion: String) {
    self.url = "https://\(host)/"
    self.host = host
    self.path = "/"
    self.signingRegion = signingRegion
  }

  /// The regions where `AWS_STS_REGIONAL_ENDPOINTS=legacy` still means the global endpoint.
  static let legacyGlobalRegions: Set<String> = [
    "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global",
    "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  ]

  /// The endpoint for `service` (`sts` or `iam`) with the AWS CLI's precedence: service variable,
  /// global variable, profile `endpoint_url`, then the standard endpoint.
  public static func resolve(
    service: String, profile: ResolvedProfile?, environment: Environment
  ) throws(EndpointError) -> ServiceEndpoint {
    let region =
      profile?.region ?? environment.nonEmpty("AWS_REGION")
      ?? environment.nonEmpty("AWS_DEFAULT_REGION")
    let signingRegion = region ?? "us-east-1"
    let ignoreConfigured =
      environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
    if !ignoreConfigured {
      let candidates: [(String, String?)] = [
        (
          "AWS_ENDPOINT_URL_\(service.uppercased())",
          environment.nonEmpty("AWS_ENDPOINT_URL_\(service.uppercased())")
        ),
        ("AWS_ENDPOINT_URL", environment.nonEmpty("AWS_ENDPOINT_URL")),
        ("endpoint_url", profile?.endpointURL),
      ]
      for (source, value) in candidates {
        guard let value else { continue }
        guard
          let endpoint = ServiceEndpoint(
            url: value, signingRegion: service == "iam" ? "us-east-1" : signingRegion)
        else { throw EndpointError(source: source, value: value) }
        return endpoint
      }
    }
    let suffix = signingRegion.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    if service == "iam" {
      let host =
        signingRegion.hasPrefix("cn-") ? "iam.cn-north-1.amazonaws.com.cn" : "iam.amazonaws.com"
      return ServiceEndpoint(
        host: host, signingRegion: signingRegion.hasPrefix("cn-") ? "cn-north-1" : "us-east-1")
    }
    let mode =
      (environment.nonEmpty("AWS_STS_REGIONAL_ENDPOINTS") ?? profile?.stsRegionalEndpoints
      ?? "regional")
      .lowercased()
    if region == nil || (mode == "legacy" && legacyGlobalRegions.contains(signingRegion)) {
      return ServiceEndpoint(host: "sts.amazonaws.com", signingRegion: "us-east-1")
    }
    return ServiceEndpoint(host: "sts.\(signingRegion).\(suffix)", signingRegion: signingRegion)
  }
}

/// An endpoint URL that is not an http(s) URL.
public struct EndpointError: Error, Sendable, CustomStringConvertible {
  public var source: String
  public var value: String
  public var description: String {
    "\(source) is \(Quote.human(value)), which is not an http:// or https:// URL."
  }
}
