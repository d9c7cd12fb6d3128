import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

extension OutputFormat: ExpressibleByArgument {}

/// `awsmfa env PROFILE`: credentials for eval, from the keyring or from STS.
struct Env: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print export statements with credentials for PROFILE.",
    discussion:
      "bash/zsh: eval \"$(awsmfa env prod)\"; fish: awsmfa env prod --format fish | source")

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  @Option(
    name: [.short, .long],
    help:
      "Output syntax: bash, zsh, fish, json (credential_process) or dotenv. Default: from $SHELL.")
  var format: OutputFormat?

  @Option(
    help:
      "Lifetime in seconds of the new session (roles: at most 3600 when assumed from the MFA session)."
  )
  var duration: Int?

  @Flag(
    help:
      "Fetch new credentials even if cached ones are fresh (a role profile's come from the cached MFA session: add --new-session to renew that too)."
  )
  var refresh = false

  @Flag(help: "Also start a new MFA session (a new code or touch), as for a first login.")
  var newSession = false

  @Option(help: "Use this MFA code instead of the YubiKey, mfa_process or a prompt.")
  var code: String?

  @Flag(name: [.short, .long], help: "Explain on stderr what is cached, fetched and capped.")
  var verbose = false

  @Flag(help: "Also trace each STS exchange on stderr (keys and codes redacted).")
  var debug = false

  /// The prompt hooks' call: a failure is one line saying when the hook tries again, and STS
  /// gets a short deadline (a prompt must not hang) unless AWSMFA_HTTP_TIMEOUT says otherwise.
  @Flag(help: .hidden)
  var hook = false

  func validate() throws {
    if let duration, !(900...129600).contains(duration) {
      throw ValidationError("--duration must be between 900 and 129600 seconds.")
    }
  }

  func run() async throws {
    try await Self.produce(
      profile: profile, format: format, duration: duration, refresh: refresh,
      newSession: newSession, code: code, verbose: verbose, debug: debug, hook: hook)
  }

  /// `env` itself, for a parsed command line or for a simple call read by `EnvCall`.
  static func produce(
    profile: String, format: OutputFormat?, duration: Int? = nil, refresh: Bool = false,
    newSession: Bool = false, code: String? = nil, verbose: Bool = false, debug: Bool = false,
    hook: Bool
  ) async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let output: String
    do {
      let resolved = try SharedConfig.load(environment: environment).resolve(profile)
      let context = try RunContext(
        profile: resolved, environment: environment, verbose: verbose, code: code, debug: debug,
        defaultTimeout: hook ? 5 : 20, mayPrompt: !hook)
      let credentials = try await context.service.credentials(
        for: resolved, options: .init(refresh: refresh, duration: duration, newSession: newSession))
      let exports = Exports(
        credentials: credentials, profile: resolved.name, region: resolved.region,
        refreshWindow: resolved.refreshWindow, environment: environment)
      output = try ShellRenderer.render(
        exports, format: format ?? .default(environment: environment))
    } catch {
      guard hook else { throw error }
      // The hook retries a minute later, except after 69 (no code without the user): it then
      // waits for awsmfa-use.
      let name = Quote.human(profile)
      throw Failure.Prefixed(
        error,
        prefix: Failure.classify(error).code == Failure.noCode
          ? "awsmfa: stopped refreshing \(name) until you run awsmfa-use \(name): "
          : "awsmfa: could not refresh \(name), next try in 60 s: ")
    }
    Stdout.write(output)
  }
}

/// `awsmfa unset`: statements that remove everything `env` set.
struct Unset: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print statements that remove what env set.")

  @Option(
    name: [.short, .long],
    help: "Output syntax: bash, zsh, fish, json or dotenv. Default: from $SHELL.")
  var format: OutputFormat?

  func run() {
    let environment = Environment.current()
    Stdout.write(
      ShellRenderer.renderUnset(
        format: format ?? .default(environment: environment),
        removal: Removal(environment: environment)))
  }
}
