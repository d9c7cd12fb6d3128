/// Where STS (or IAM) requests go and which region signs them.
package struct ServiceEndpoint: Sendable, Equatable {
  /// Full URL, scheme to path (`https://sts.eu-west-1.amazonaws.com/`).
  package var url: String
  /// `host[:port]` as the Host header carries it.
  package var host: String
  /// The path requests are POSTed to.
  package var path: String
  /// The region in the credential scope.
  package var signingRegion: String

  /// Splits `url` into host and path (as `HTTPTarget` reads it, the one URL parser); nil when
  /// it is not an http(s) URL with a usable host.
  package init?(url: String, signingRegion: String) {
    guard let target = HTTPTarget(url: url) else { return nil }
    self.url = url
    // SigV4 signs the Host header as sent: default ports are left out.
    self.host = target.hostHeader
    self.path = target.path
    self.signingRegion = signingRegion
  }

  /// Whether the URL came from configuration (`endpoint_url`, `AWS_ENDPOINT_URL*`) rather than
  /// AWS's own naming scheme.
  package private(set) var isConfigured = true

  /// What a cached session is valid for: credentials from one configured endpoint (a LocalStack,
  /// a test peer) are never served for another, while AWS's own endpoints of one partition share
  /// the cache whatever the region. Empty for the commercial partition, so its keys keep their
  /// names.
  package var cacheScope: String {
    if isConfigured { return url }
    return partition == "aws" ? "" : partition
  }

  /// The AWS partition of a standard endpoint (`aws`, `aws-cn`, `aws-us-gov`, …).
  package private(set) var partition = "aws"

  /// Whether requests travel unencrypted to a host other than this machine (loopback names and
  /// addresses are a local emulator's).
  package var isPlaintextRemote: Bool {
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

  /// The region botocore uses: `AWS_DEFAULT_REGION` when set (even empty), else the asked-for
  /// profile's `region`; nil when neither is set. A value that is not a region name is refused
  /// here, before it can become part of a host name (`x@evil:1/#` must never connect).
  package static func effectiveRegion(profile: ResolvedProfile?, environment: Environment)
    throws(EndpointError) -> String?
  {
    let (source, region): (String, String?) =
      environment["AWS_DEFAULT_REGION"].map { ("AWS_DEFAULT_REGION", $0) }
      ?? ("region", profile?.region)
    guard let region else { return nil }
    guard isValidRegion(region) else {
      throw EndpointError(
        source: source, value: region,
        problem: "which is not a region name (letters, digits and hyphens)")
    }
    return region
  }

  /// Whether `region` is a region name as botocore accepts one: a DNS label of letters, digits
  /// and hyphens (1–63, no leading or trailing hyphen, not all digits), so that it can go into a
  /// host name and a SigV4 scope.
  package static func isValidRegion(_ region: String) -> Bool {
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

  /// The endpoint for `service` (`sts` or `iam`) as botocore finds it: unless
  /// `ignore_configured_endpoint_urls` (variable, then profile) is true, `AWS_ENDPOINT_URL_STS`,
  /// `AWS_ENDPOINT_URL`, the `[services]` section's, then the profile's `endpoint_url`; else the
  /// partition's standard endpoint for the region (`AWS_DEFAULT_REGION`, then the profile's) with
  /// FIPS, dual-stack and `sts_regional_endpoints` applied (`AWSEndpoints`).
  package static func resolve(
    service: String, profile: ResolvedProfile?, environment: Environment
  ) throws(EndpointError) -> ServiceEndpoint {
    let region = try effectiveRegion(profile: profile, environment: environment)
    // botocore's settings: the variable when set (even empty), else the profile's key.
    func flag(_ variable: String, _ key: String?) -> Bool {
      (environment[variable] ?? key)?.lowercased() == "true"
    }
    let fromVariable = environment["AWS_STS_REGIONAL_ENDPOINTS"]
    let mode = fromVariable ?? profile?.stsRegionalEndpoints ?? ""
    if service == "sts" {
      // botocore checks the setting (case and all) whenever it builds an STS client.
      if !mode.isEmpty && mode != "regional" && mode != "legacy" {
        throw EndpointError(
          source: fromVariable != nil ? "AWS_STS_REGIONAL_ENDPOINTS" : "sts_regional_endpoints",
          value: mode, problem: "which must be regional or legacy")
      }
    }
    if !flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", profile?.ignoreConfiguredEndpointURLs) {
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
      for (index, (source, value)) in candidates.enumerated() {
        if index == 2, let problem = profile?.servicesProblem {
          // Consulted only now, as botocore consults it: after the two variables.
          throw EndpointError(source: "the profile", value: "", problem: problem)
        }
        guard let value, !value.isEmpty else { continue }
        guard let region else {
          // botocore takes no signing region from endpoint data for a configured URL.
          throw EndpointError(
            source: source, value: value,
            problem: "but no region is set to sign for it (AWS_DEFAULT_REGION or region)")
        }
        guard let endpoint = ServiceEndpoint(url: value, signingRegion: region) else {
          throw EndpointError(
            source: source, value: value, problem: "which is not an http:// or https:// URL")
        }
        return endpoint
      }
    }
    let fips = flag("AWS_USE_FIPS_ENDPOINT", profile?.useFIPSEndpoint)
    let dualStack = flag("AWS_USE_DUALSTACK_ENDPOINT", profile?.useDualStackEndpoint)
    let found: (url: String, signingRegion: String)
    do throws(AWSEndpoints.Unsupported) {
      if service == "iam" {
        found = try AWSEndpoints.iam(region: region, fips: fips, dualStack: dualStack)
      } else {
        found = try AWSEndpoints.sts(
          region: region, fips: fips, dualStack: dualStack, legacyGlobal: mode == "legacy")
      }
    } catch {
      throw EndpointError(
        source: "the endpoint settings", value: region ?? "(no region)",
        problem: error.description)
    }
    guard var endpoint = ServiceEndpoint(url: found.url, signingRegion: found.signingRegion) else {
      throw EndpointError(
        source: "the endpoint table", value: found.url, problem: "which is not a URL")
    }
    endpoint.isConfigured = false
    endpoint.partition = Partition.forRegion(found.signingRegion).id
    return endpoint
  }
}

/// An endpoint URL that is not an http(s) URL, or a region that is not a region name.
package struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
  package var source: String
  package var value: String
  package var problem: String
  package init(source: String, value: String, problem: String) {
    self.source = source
    self.value = value
    self.problem = problem
  }
  package var description: String {
    value.isEmpty && source == "the profile"
      ? "The profile's \(problem)." : "\(source) is \(Quote.human(value)), \(problem)."
  }
}
