import AWSMFACore
import AWSMFAKit
import ArgumentParser
import Dispatch
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa serve PROFILE`: a credential server for a shell or an IDE to point at.
struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve PROFILE's credentials on loopback to AWS SDKs until interrupted.",
    discussion:
      "Prints AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN as shell exports; a program started with them gets role credentials that renew themselves from the cached MFA session, past the 1-hour role-chaining cap, for as long as that session lasts. Runs until Ctrl-C or SIGTERM."
  )

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  @Option(help: "Syntax of the exports: bash, zsh or fish (default: the parent shell's).")
  var format: OutputFormat?

  @Option(help: "Use this MFA code for the first credentials.")
  var code: String?

  @Flag(name: [.short, .long], help: "Explain on stderr what is cached, fetched and renewed.")
  var verbose = false

  func run() async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let chosen = format ?? .default(environment: environment)
    guard [.bash, .zsh, .fish].contains(chosen) else {
      Stderr.line("awsmfa: serve prints shell exports: --format bash, zsh or fish.")
      throw ExitCode(Failure.usage)
    }
    // Caught before the exports appear: whoever reads them may stop the server at once.
    let stop = SignalWait([SIGINT, SIGTERM, SIGHUP])
    let endpoint: CredentialEndpoint
    endpoint = try await CredentialEndpoint.start(
      profile: profile, environment: environment, verbose: verbose, code: code)
    var out = ""
    for (name, value) in endpoint.variables {
      out +=
        chosen == .fish
        ? "set -gx \(name) \(ShellQuote.fish(value));\n"
        : "export \(name)=\(ShellQuote.posix(value));\n"
    }
    Stdout.write(out)
    Stderr.line(
      "awsmfa: serving the credentials of \(Quote.human(profile)) at \(endpoint.server.url) until Ctrl-C."
    )
    await stop.wait()
    await endpoint.stop()
  }
}
