/// STS and IAM endpoints as botocore (the AWS CLI's resolver) names them, in every partition.
///
/// The facts are botocore's, tabulated in Partitions.swift by `scripts/gen-partitions.py`; this
/// file only walks the tables the way botocore walks its data when it creates a client:
///
/// 1. A FIPS pseudo-region (`fips-us-gov-west-1`, `us-east-1-fips`) loses every `fips-`, then
///    every `-fips`, and turns FIPS on (`ClientCreator._normalize_fips_region`).
/// 2. The older resolver (`endpoints.json`) looks the region up partition by partition. It
///    raises for a FIPS or dual-stack variant the partition has no entry for (there is no
///    dual-stack STS or IAM in `aws-iso-e` and `aws-iso-f`, though `partitions.json` says the
///    partitions support it), and it yields the region that signs when the rule set names none
///    (`aws-global` signs as `us-east-1`). No region at all means `aws-global`.
/// 3. The service's endpoint rule set names the host, and for some endpoints the signing region:
///    for STS from the name step 2 settled on, for IAM from the region itself.
package enum AWSEndpoints {
  /// Why botocore names no endpoint for a combination of settings: it raises.
  package struct Unsupported: Error, Sendable, Equatable, CustomStringConvertible {
    /// One sentence, for the user.
    package let description: String
  }

  /// The STS endpoint (`https://HOST/`) and signing region botocore uses for `region` (nil when
  /// none is configured), `use_fips_endpoint`, `use_dualstack_endpoint` and
  /// `sts_regional_endpoints = legacy` (`legacyGlobal`). Configured endpoint URLs are the
  /// caller's business, and so is checking first that `region` is a region name (botocore
  /// refuses others before it resolves anything).
  package static func sts(
    region: String?, fips: Bool, dualStack: Bool, legacyGlobal: Bool
  ) throws(Unsupported) -> (url: String, signingRegion: String) {
    try resolve(.sts, region: region, fips: fips, dualStack: dualStack, legacyGlobal: legacyGlobal)
  }

  /// The IAM endpoint (`https://HOST/`) and signing region botocore uses for `region` (nil when
  /// none is configured), `use_fips_endpoint` and `use_dualstack_endpoint`. IAM has one endpoint
  /// per partition: the region only picks the partition.
  package static func iam(
    region: String?, fips: Bool, dualStack: Bool
  ) throws(Unsupported) -> (url: String, signingRegion: String) {
    try resolve(.iam, region: region, fips: fips, dualStack: dualStack, legacyGlobal: false)
  }

  /// The three steps above for one service's tables.
  static func resolve(
    _ table: EndpointTable, region: String?, fips: Bool, dualStack: Bool, legacyGlobal: Bool
  ) throws(Unsupported) -> (url: String, signingRegion: String) {
    var name = table.defaultRegion
    var fips = fips
    if let region {
      let plain = EndpointText.replacing(
        "-fips", with: "", in: EndpointText.replacing("fips-", with: "", in: region))
      if !EndpointText.same(plain, region) { fips = true }
      name = plain
    }
    let variant = EndpointVariant(fips: fips, dualStack: dualStack)
    let legacy = try table.legacyEndpoint(for: name, variant)
    let rulesetRegion = table.rulesetRegionIsLegacyName ? legacy.name : name
    // botocore's `AWS::STS::UseGlobalEndpoint`: legacy mode and one of the listed regions.
    let global =
      legacyGlobal && table.legacyGlobalRegions.contains { EndpointText.same($0, rulesetRegion) }
    switch table.outcome(for: rulesetRegion, global: global, variant: variant) {
    case .unsupported(let message):
      throw Unsupported(
        description:
          "\(message) (botocore, \(table.service) in region \(Quote.human(rulesetRegion)), "
          + "partition \(Partition.forRegion(rulesetRegion).id)).")
    case .endpoint(let host, let signingRegion):
      let url = "https://" + EndpointText.replacing("{region}", with: rulesetRegion, in: host) + "/"
      let signing =
        signingRegion.map { EndpointText.replacing("{region}", with: rulesetRegion, in: $0) }
        ?? legacy.signingRegion
      return (url, signing)
    }
  }
}

/// An AWS partition (a separate copy of AWS: commercial, China, GovCloud, the isolated and
/// sovereign regions) as botocore's `partitions.json` describes it; `Partition.all` holds them.
package struct Partition: Sendable {
  /// The partition's name: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, …
  package let id: String
  /// The domain of its endpoints (`amazonaws.com`).
  package let dnsSuffix: String
  /// The domain of its dual-stack (IPv4 and IPv6) endpoints (`api.aws`).
  package let dualStackDnsSuffix: String
  /// Whether the endpoint rule sets offer FIPS endpoints in it.
  package let supportsFIPS: Bool
  /// Whether the endpoint rule sets offer dual-stack endpoints in it.
  package let supportsDualStack: Bool
  /// The region that signs for the partition's global endpoints.
  package let implicitGlobalRegion: String
  /// The region names botocore lists for it, pseudo-regions such as `aws-global` included.
  package let regions: [String]
  /// botocore's `regionRegex`, translated: what the names of regions it does not list look like.
  let regionPattern: [RegionPatternPart]

  /// Whether botocore counts `region` in this partition: listed, or matching its pattern.
  package func contains(_ region: String) -> Bool {
    regions.contains { EndpointText.same($0, region) }
      || RegionPatternPart.matches(regionPattern, region)
  }

  /// The partition of `region` as the rule sets' `aws.partition` picks it: the first partition,
  /// in botocore's order, that lists the region or whose pattern it matches; else the first
  /// partition (`aws`).
  package static func forRegion(_ region: String) -> Partition {
    all.first { $0.contains(region) } ?? all[0]
  }
}

/// A piece of a partition's region pattern. `scripts/gen-partitions.py` translates botocore's
/// regular expressions (`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`) into a few of these, so that
/// matching needs neither Foundation nor a regular-expression engine, and refuses any it cannot.
enum RegionPatternPart: Sendable, Equatable {
  /// One of these literal strings (an alternation, with the literals around it folded in).
  case oneOf([String])
  /// `\w+`: one or more letters, digits or underscores.
  case word
  /// `\d+`: one or more decimal digits.
  case digits

  /// Whether all of `region` matches `pattern` as Python's `re.match` matches the expression
  /// between `^` and `$`: `$` also accepts one final newline, and `\w` and `\d` take any Unicode
  /// letter or digit.
  static func matches(_ pattern: [RegionPatternPart], _ region: String) -> Bool {
    let scalars = Array(region.unicodeScalars)
    return match(pattern[...], scalars[...])
  }

  /// Whether `rest` matches `pattern` to the end, backtracking as a regular expression does.
  private static func match(
    _ pattern: ArraySlice<RegionPatternPart>, _ rest: ArraySlice<Unicode.Scalar>
  ) -> Bool {
    guard let part = pattern.first else {
      return rest.isEmpty || (rest.count == 1 && rest.first == "\n")
    }
    let next = pattern.dropFirst()
    switch part {
    case .oneOf(let literals):
      for literal in literals {
        let scalars = Array(literal.unicodeScalars)
        if rest.starts(with: scalars), match(next, rest.dropFirst(scalars.count)) {
          return true
        }
      }
      return false
    case .word, .digits:
      let accepts = part == .word ? isWord : isDigit
      var end = rest.startIndex
      while end < rest.endIndex, accepts(rest[end]) { end += 1 }
      while end > rest.startIndex {
        if match(next, rest[end...]) { return true }
        end -= 1
      }
      return false
    }
  }

  /// Python's `\w` on text: `_`, or a character that `str.isalnum()` accepts.
  private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.isASCII {
      let byte = UInt8(scalar.value)
      return byte == UInt8(ascii: "_") || (48...57).contains(byte) || (65...90).contains(byte)
        || (97...122).contains(byte)
    }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
      return true
    default:
      return scalar.properties.numericType != nil
    }
  }

  /// Python's `\d` on text: a decimal digit of any script.
  private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.isASCII { return (48...57).contains(scalar.value) }
    return scalar.properties.numericType == .decimal
  }
}

/// Which of a service's endpoints a client asks for.
enum EndpointVariant: Sendable, Equatable {
  case plain, fips, dualStack, fipsDualStack

  /// The variant for `use_fips_endpoint` and `use_dualstack_endpoint`.
  init(fips: Bool, dualStack: Bool) {
    switch (fips, dualStack) {
    case (false, false): self = .plain
    case (true, false): self = .fips
    case (false, true): self = .dualStack
    case (true, true): self = .fipsDualStack
    }
  }

  /// Whether dual-stack was asked for.
  var isDualStack: Bool { self == .dualStack || self == .fipsDualStack }

  /// How messages name it.
  var label: String {
    switch self {
    case .plain: return "standard"
    case .fips: return "FIPS"
    case .dualStack: return "dual-stack"
    case .fipsDualStack: return "FIPS dual-stack"
    }
  }
}

/// A partition as botocore's older resolver (`endpoints.json`) knows it. botocore still runs that
/// resolver before the rule sets, and its list of regions differs (no `aws-global`).
struct LegacyPartition: Sendable {
  /// The partition's name.
  let id: String
  /// The regions `endpoints.json` lists for it.
  let regions: [String]
  /// Its `regionRegex`, translated.
  let regionPattern: [RegionPatternPart]
  /// Whether botocore passes over it when dual-stack is asked for
  /// (`EndpointResolver._UNSUPPORTED_DUALSTACK_PARTITIONS`).
  let skippedForDualStack: Bool

  /// Whether `region` is listed for the partition or matches its pattern.
  func contains(_ region: String) -> Bool {
    regions.contains { EndpointText.same($0, region) }
      || RegionPatternPart.matches(regionPattern, region)
  }
}

/// How an endpoint name resolves in `endpoints.json`.
struct LegacyOutcome: Sendable {
  /// The region in its credential scope; nil: the endpoint name itself.
  let signingRegion: String?
  /// The variants botocore raises `EndpointVariantError` for.
  let missing: [EndpointVariant]
}

/// An endpoint name that resolves otherwise than the rest of its partition.
struct LegacyException: Sendable {
  /// The endpoint name (`aws-global`).
  let name: String
  /// How it resolves.
  let outcome: LegacyOutcome

  /// The row for `name`.
  init(_ name: String, signingRegion: String?, missing: [EndpointVariant]) {
    self.name = name
    self.outcome = LegacyOutcome(signingRegion: signingRegion, missing: missing)
  }
}

/// A service's entry for one partition in `endpoints.json` (an empty one where it has none).
struct LegacyService: Sendable {
  /// The partition.
  let partition: LegacyPartition
  /// The endpoint names the service lists there, pseudo-regions included.
  let endpoints: [String]
  /// The one endpoint of a non-regional service (IAM's `aws-global`), used for every region.
  let globalEndpoint: String?
  /// How endpoint names without a row in `exceptions` resolve.
  let anyEndpoint: LegacyOutcome
  /// Endpoint names that resolve otherwise.
  let exceptions: [LegacyException]

  /// The endpoint name botocore resolves for `region` in this partition, nil when the partition
  /// does not claim the region (`force`: botocore's retry in `aws`, which claims every region).
  func endpointName(for region: String, force: Bool) -> String? {
    if endpoints.contains(where: { EndpointText.same($0, region) }) { return region }
    guard force || partition.contains(region) else { return nil }
    return globalEndpoint ?? region
  }

  /// The endpoint name and its signing region, or Unsupported where botocore raises.
  func resolve(_ name: String, _ variant: EndpointVariant, service: String)
    throws(AWSEndpoints.Unsupported) -> (name: String, signingRegion: String)
  {
    let outcome = exceptions.first { EndpointText.same($0.name, name) }?.outcome ?? anyEndpoint
    if outcome.missing.contains(variant) {
      throw AWSEndpoints.Unsupported(
        description:
          "botocore has no \(variant.label) \(service) endpoint in partition \(partition.id) "
          + "(region \(Quote.human(name))).")
    }
    // Listed names are valid labels; any other name becomes one label of the host name, which
    // botocore checks ("Invalid endpoint"). Stripping `fips-` can leave a name empty or with a
    // hyphen at an end (`fips--x`).
    guard EndpointText.isHostLabel(name) else {
      throw AWSEndpoints.Unsupported(
        description:
          "botocore refuses the \(service) host name for region \(Quote.human(name)) "
          + "(not a DNS label).")
    }
    return (name, outcome.signingRegion ?? name)
  }
}

/// What a service's endpoint rule set gives, or why it refuses.
enum EndpointOutcome: Sendable, Equatable {
  /// `https://HOST/`; `{region}` in the host or signing region stands for the region. A nil
  /// signing region means the one `endpoints.json` gives.
  case endpoint(host: String, signingRegion: String?)
  /// The rule set's error message.
  case unsupported(String)
}

/// The rule set's answers for every region of a partition that has no `RegionRule`.
struct PartitionRules: Sendable {
  /// The partition's name.
  let partition: String
  /// Neither FIPS nor dual-stack.
  let plain: EndpointOutcome
  /// FIPS.
  let fips: EndpointOutcome
  /// Dual-stack.
  let dualStack: EndpointOutcome
  /// FIPS and dual-stack.
  let fipsDualStack: EndpointOutcome

  /// The answer for `variant`.
  func outcome(for variant: EndpointVariant) -> EndpointOutcome {
    switch variant {
    case .plain: return plain
    case .fips: return fips
    case .dualStack: return dualStack
    case .fipsDualStack: return fipsDualStack
    }
  }
}

/// The rule set's answer for a region it names itself (`aws-global`, the legacy STS regions),
/// where that differs from its partition's.
struct RegionRule: Sendable {
  /// The region.
  let region: String
  /// `AWS::STS::UseGlobalEndpoint`.
  let global: Bool
  /// The variant.
  let variant: EndpointVariant
  /// The answer.
  let outcome: EndpointOutcome

  /// The row for `region`.
  init(_ region: String, global: Bool, _ variant: EndpointVariant, _ outcome: EndpointOutcome) {
    self.region = region
    self.global = global
    self.variant = variant
    self.outcome = outcome
  }
}

/// One service's tables (`EndpointTable.sts`, `EndpointTable.iam`).
struct EndpointTable: Sendable {
  /// The service's endpoint prefix.
  let service: String
  /// The endpoint name botocore uses when no region is configured.
  let defaultRegion: String
  /// Whether the rule set gets the endpoint name `endpoints.json` settled on (STS) rather than
  /// the region (everything else).
  let rulesetRegionIsLegacyName: Bool
  /// The regions `sts_regional_endpoints = legacy` sends to the global endpoint.
  let legacyGlobalRegions: [String]
  /// `endpoints.json`, partition by partition in botocore's order.
  let legacy: [LegacyService]
  /// The index in `legacy` of the partition botocore retries in when none claims the region.
  let legacyFallback: Int
  /// The rule set, partition by partition.
  let partitionRules: [PartitionRules]
  /// The rule set for the regions it names.
  let regionRules: [RegionRule]

  /// botocore's `EndpointResolver.construct_endpoint`, then `ClientEndpointBridge`'s retry in
  /// `aws`: the endpoint name and its signing region, or Unsupported where botocore raises.
  func legacyEndpoint(for region: String, _ variant: EndpointVariant)
    throws(AWSEndpoints.Unsupported) -> (name: String, signingRegion: String)
  {
    for entry in legacy where !(variant.isDualStack && entry.partition.skippedForDualStack) {
      if let name = entry.endpointName(for: region, force: false) {
        return try entry.resolve(name, variant, service: service)
      }
    }
    guard legacy.indices.contains(legacyFallback),
      !(variant.isDualStack && legacy[legacyFallback].partition.skippedForDualStack)
    else {
      throw AWSEndpoints.Unsupported(
        description:
          "botocore has no \(variant.label) \(service) endpoint for region \(Quote.human(region)).")
    }
    let fallback = legacy[legacyFallback]
    let name = fallback.endpointName(for: region, force: true) ?? region
    return try fallback.resolve(name, variant, service: service)
  }

  /// The rule set's answer for `region`: its own row, else its partition's.
  func outcome(for region: String, global: Bool, variant: EndpointVariant) -> EndpointOutcome {
    let own = regionRules.first {
      EndpointText.same($0.region, region) && $0.global == global && $0.variant == variant
    }
    if let own { return own.outcome }
    let partition = Partition.forRegion(region).id
    guard let rules = partitionRules.first(where: { $0.partition == partition }) else {
      return .unsupported("No \(service) endpoint rules for partition \(partition)")
    }
    return rules.outcome(for: variant)
  }
}

/// Byte-wise text helpers: botocore compares and replaces code points, never canonically
/// equivalent forms as Swift's `==` does.
enum EndpointText {
  /// Whether `a` and `b` hold the same characters, code point for code point.
  static func same(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8)
  }

  /// Whether `name` can be one label of a host name: 1–63 ASCII letters, digits and hyphens,
  /// no hyphen at either end (botocore's `is_valid_endpoint_url`).
  static func isHostLabel(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"),
      bytes.last != UInt8(ascii: "-")
    else { return false }
    return bytes.allSatisfy { byte in
      (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        || byte == UInt8(ascii: "-")
    }
  }

  /// `text` with every occurrence of `target`, scanned left to right without overlaps, replaced
  /// (Python's `str.replace`).
  static func replacing(_ target: String, with replacement: String, in text: String) -> String {
    let bytes = Array(text.utf8)
    let pattern = Array(target.utf8)
    guard !pattern.isEmpty, bytes.count >= pattern.count else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    var replaced = false
    while index < bytes.count {
      if index + pattern.count <= bytes.count,
        bytes[index..<index + pattern.count].elementsEqual(pattern)
      {
        out.append(contentsOf: replacement.utf8)
        index += pattern.count
        replaced = true
      } else {
        out.append(bytes[index])
        index += 1
      }
    }
    return replaced ? String(decoding: out, as: UTF8.self) : text
  }
}
