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
    self.isConfigured = false
  }

  /// Whether the URL came from configuration (`endpoint_url`, `AWS_ENDPOINT_URL*`) rather than
  /// AWS's own naming scheme.
  public private(set) var isConfigured = true

  /// What a cached session is valid for: credentials from one configured endpoint (a LocalStack,
  /// a test peer) are never served for another, while AWS's own endpoints of one partition share
  /// the cache whatever the region. Empty for the commercial partition, so its keys keep their
  /// names.
  public var cacheScope: String {
    if isConfigured { return url }
    // `sts[-fips].REGION.DOMAIN` or `sts.DOMAIN`: the partition's domain is what is left.
    var labels = host.split(separator: ".").dropFirst()
    if labels.count >= 3 { labels = labels.dropFirst() }
    let domain = labels.joined(separator: ".")
    return domain == "amazonaws.com" ? "" : domain
  }

  /// Whether requests travel unencrypted to a host other than this machine (loopback names and
  /// addresses are a local emulator's).
  public var isPlaintextRemote: Bool {
    guard url.lowercased().hasPrefix("http://") else { return false }
    var name = host.lowercased()
    if name.hasPrefix("[") {
      name = String(name.dropFirst().prefix { $0 != "]" })
    } else if let colon = name.lastIndex(of: ":") {
      name = String(name[..<colon])
    }
    if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" { return false }
    let octets = name.split(separator: ".", omittingEmptySubsequences: false)
    if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }), octets[0] == "127" {
      return false
    }
    return true
  }

  /// Whether `region` is a region name as botocore accepts one: a DNS label of letters, digits
  /// and hyphens (1–63, no leading or trailing hyphen, not all digits), so that it can go into a
  /// host name and a SigV4 scope.
  public static func isValidRegion(_ region: String) -> Bool {
    let bytes = Array(region.utf8)
    guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"),
      bytes.last != UInt8(ascii: "-")
    else { return false }
    var digitsOnly = true
    for byte in bytes {
      let digit = (48...57).contains(byte)
      let letter = (65...90).contains(byte) || (97...122).contains(byte)
      guard digit || letter || byte == UInt8(ascii: "-") else { return false }
      if !digit { digitsOnly = false }
    }
    return !digitsOnly
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
    // botocore's order: AWS_DEFAULT_REGION, then the profile's region (AWS_REGION is not read).
    let sources: [(String, String?)] = [
      ("AWS_DEFAULT_REGION", environment.nonEmpty("AWS_DEFAULT_REGION")),
      ("region", profile?.region),
    ]
    let chosen = sources.first { $0.1 != nil }
    let region = chosen?.1
    if let chosen, let region, !isValidRegion(region) {
      // Checked before it can become part of a host name: `x@evil:1/#` must never connect.
      throw EndpointError(
        source: chosen.0, value: region,
        problem: "which is not a region name (letters, digits and hyphens)")
    }
    let signingRegion = region ?? "us-east-1"
    let ignoreSetting =
      environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] ?? profile?.ignoreConfiguredEndpointURLs
    if ignoreSetting?.lowercased() != "true" {
      let upper = service.uppercased()
      let candidates: [(String, String?)] = [
        ("AWS_ENDPOINT_URL_\(upper)", environment.nonEmpty("AWS_ENDPOINT_URL_\(upper)")),
        ("AWS_ENDPOINT_URL", environment.nonEmpty("AWS_ENDPOINT_URL")),
        (
          "the services section's \(service) endpoint_url",
          service == "iam" ? profile?.servicesIAMEndpointURL : profile?.servicesEndpointURL
        ),
        ("endpoint_url", profile?.endpointURL),
      ]
      for (source, value) in candidates {
        guard let value, !value.isEmpty else { continue }
        guard
          let endpoint = ServiceEndpoint(
            url: value, signingRegion: service == "iam" ? "us-east-1" : signingRegion)
        else {
          throw EndpointError(
            source: source, value: value, problem: "which is not an http:// or https:// URL")
        }
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

/// An endpoint URL that is not an http(s) URL, or a region that is not a region name.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
  public var source: String
  public var value: String
  public var problem: String
  public init(source: String, value: String, problem: String) {
    self.source = source
    self.value = value
    self.problem = problem
  }
  public var description: String {
    "\(source) is \(Quote.human(value)), \(problem)."
  }
}
