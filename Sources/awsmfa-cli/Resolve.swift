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
    do {
      profile = try config.resolve(name)
      endpoint = try ServiceEndpoint.resolve(
        service: "sts", profile: profile, environment: environment)
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
      + "\"region\":\(string(profile.region)),"
      + "\"sts_endpoint\":\(string(endpoint.url)),"
      + "\"signing_region\":\(string(endpoint.signingRegion))}"
  }
}
