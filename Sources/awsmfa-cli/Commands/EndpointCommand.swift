import AWSMFAKit
import ArgumentParser

/// `awsmfa __endpoint sts|iam [REGION] [--fips] [--dualstack] [--legacy]`: the standard endpoint
/// awsmfa's table names, for the test that holds the table to botocore.
struct EndpointCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "__endpoint", abstract: "Print a standard endpoint and its signing region.",
    shouldDisplay: false)

  @Argument(help: "sts or iam.")
  var service: String

  @Argument(help: "The region; none means none is configured.")
  var region: String?

  @Flag var fips = false
  @Flag var dualstack = false
  @Flag var legacy = false

  func run() throws {
    let found =
      service == "iam"
      ? try AWSEndpoints.iam(region: region, fips: fips, dualStack: dualstack)
      : try AWSEndpoints.sts(
        region: region, fips: fips, dualStack: dualstack, legacyGlobal: legacy)
    Stdout.write(found.url + " " + found.signingRegion + "\n")
  }
}
