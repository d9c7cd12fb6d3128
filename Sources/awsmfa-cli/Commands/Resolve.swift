import AWSMFACore
import AWSMFAKit
import ArgumentParser

/// `awsmfa __resolve [PROFILE…]`: how awsmfa reads the config files, as JSON, for the
/// differential test against botocore. Touches neither keyring, card nor network.
struct Resolve: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "__resolve", abstract: "Print profile resolution as JSON (for tests).",
    shouldDisplay: false)

  @Argument(help: "Profiles to resolve; every profile when none is named.")
  var profiles: [String] = []

  func run() {
    let environment = Environment.current()
    let config: SharedConfig
    do {
      config = try SharedConfig.load(environment: environment)
    } catch {
      Stdout.write("{\"error\":" + JSONText.quote(Failure.classify(error).message) + "}\n")
      return
    }
    let names = config.profileNames
    var fields: [String] = []
    for name in profiles.isEmpty ? names : profiles {
      fields.append(JSONText.quote(name) + ":" + Self.describe(name, config, environment))
    }
    Stdout.write(
      "{\"profiles\":[" + names.map(JSONText.quote).joined(separator: ",") + "],\"results\":{"
        + fields.joined(separator: ",") + "}}\n")
  }

  /// One profile's resolution as a JSON object, or `{"error": …}`.
  static func describe(_ name: String, _ config: SharedConfig, _ environment: Environment)
    -> String
  {
    let profile: ResolvedProfile
    let endpoint: ServiceEndpoint
    let region: String?
    var iam = "{\"error\":null}"
    do {
      profile = try config.resolve(name)
      region = try ServiceEndpoint.effectiveRegion(profile: profile, environment: environment)
      endpoint = try ServiceEndpoint.resolve(
        service: "sts", profile: profile, environment: environment)
      do {
        let found = try ServiceEndpoint.resolve(
          service: "iam", profile: profile, environment: environment)
        iam =
          "{\"url\":\(JSONText.quote(found.url)),\"signing_region\":\(JSONText.quote(found.signingRegion))}"
      } catch {
        iam = "{\"error\":" + JSONText.quote(Failure.classify(error).message) + "}"
      }
    } catch {
      return "{\"error\":" + JSONText.quote(Failure.classify(error).message) + "}"
    }
    func string(_ value: String?) -> String { value.map(JSONText.quote) ?? "null" }
    let roles = profile.roles.map { hop in
      "{\"profile\":\(string(hop.profile)),\"role_arn\":\(string(hop.roleArn)),"
        + "\"external_id\":\(string(hop.externalId)),"
        + "\"role_session_name\":\(string(hop.sessionName)),"
        + "\"duration_seconds\":\(hop.durationSeconds.map(String.init) ?? "null")}"
    }
    return "{\"source_profile\":\(string(profile.sourceProfile)),"
      + "\"access_key_id\":\(string(profile.keys.accessKeyId)),"
      + "\"mfa_serial\":\(string(profile.mfaSerial)),"
      + "\"roles\":[\(roles.joined(separator: ","))],"
      + "\"region\":\(string(region)),\"profile_region\":\(string(profile.region)),"
      + "\"iam\":\(iam),"
      + "\"sts_endpoint\":\(string(endpoint.url)),"
      + "\"signing_region\":\(string(endpoint.signingRegion))}"
  }
}
