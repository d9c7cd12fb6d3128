import AWSMFAKit
import ArgumentParser

/// `awsmfa __network URL [PROFILE]`: the proxy a request to URL would go through and the CA
/// bundle that would be trusted, as JSON, for the test that holds them to botocore. The proxy's
/// password is never printed, only whether there is one.
struct NetworkCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "__network", abstract: "Print the proxy and CA bundle for a URL (for tests).",
    shouldDisplay: false)

  @Argument(help: "The URL a request would go to.")
  var url: String

  @Argument(help: "The profile whose ca_bundle applies.")
  var profile: String?

  func run() {
    let environment = Environment.current()
    func string(_ value: String?) -> String { value.map(JSONText.quote) ?? "null" }
    do {
      var bundle: String?
      if let profile {
        bundle = try SharedConfig.load(environment: environment).resolve(profile).caBundle
      }
      let settings = NetworkSettings(environment: environment, profileBundle: bundle)
      let proxy = try settings.proxy(for: url)
      Stdout.write(
        "{\"proxy\":\(string(proxy.map { "http://\($0.address)" })),"
          + "\"proxy_user\":\(string(proxy?.user)),"
          + "\"proxy_password\":\(proxy?.password != nil),"
          + "\"proxy_variable\":\(string(proxy?.variable)),"
          + "\"ca_bundle\":\(string(settings.caBundle?.path))}\n")
    } catch {
      Stdout.write("{\"error\":" + JSONText.quote(Failure.classify(error).message) + "}\n")
    }
  }
}
