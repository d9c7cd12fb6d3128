import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa exec PROFILE -- COMMAND…`: runs COMMAND with the credentials, replacing awsmfa.
struct Exec: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run COMMAND with PROFILE's credentials in its environment (execve, no shell).",
    usage:
      "awsmfa exec [--server] [--nest] [--refresh] [--code CODE] [--verbose] PROFILE [OPTIONS…] [--] COMMAND [ARG…]",
    discussion:
      "Options go before PROFILE, or between PROFILE and `--`; everything after `--` (or, without it, after PROFILE) belongs to COMMAND. COMMAND's exit status is awsmfa's; signals reach it directly. With --server, COMMAND gets no keys but a credential server on loopback (AWS_CONTAINER_CREDENTIALS_FULL_URI) that renews role credentials from the cached MFA session, so it can run past the 1-hour role cap."
  )

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
  var command: [String] = []

  @Flag(
    help:
      "Serve credentials to COMMAND from a loopback server that renews them, instead of exporting keys."
  )
  var server = false

  @Flag(help: "Allow running inside another awsmfa exec of a different profile.")
  var nest = false

  @Flag(help: "Fetch new credentials even if cached ones are fresh.")
  var refresh = false

  @Flag(name: [.short, .long], help: "Explain on stderr what is cached, fetched and capped.")
  var verbose = false

  @Option(help: "Use this MFA code instead of the YubiKey, mfa_process or a prompt.")
  var code: String?

  func run() async throws {
    disableCoreDumps()
    var options = self
    let words: [String]
    if command.first == "--" {
      words = Array(command.dropFirst())
    } else if let first = command.first, first.hasPrefix("-") {
      // `exec PROFILE --refresh -- COMMAND`: what stands between PROFILE and `--` is awsmfa's.
      guard let separator = command.firstIndex(of: "--") else {
        Stderr.line(
          "awsmfa: options after PROFILE need `--` before COMMAND: awsmfa exec \(Quote.human(profile)) \(first) -- COMMAND…"
        )
        throw ExitCode(Failure.usage)
      }
      try options.take(Array(command[..<separator]))
      words = Array(command[(separator + 1)...])
    } else {
      words = command
    }
    guard let program = words.first else {
      Stderr.line(
        "awsmfa: exec needs a COMMAND to run: awsmfa exec \(Quote.human(profile)) -- COMMAND…")
      throw ExitCode(Failure.usage)
    }
    try await options.execute(program: program, words: words)
  }

  /// Applies exec's own options given after PROFILE.
  mutating func take(_ words: [String]) throws {
    var rest = words[...]
    while let word = rest.popFirst() {
      switch word {
      case "--nest": nest = true
      case "--server": server = true
      case "--refresh": refresh = true
      case "-v", "--verbose": verbose = true
      case "--code":
        guard let value = rest.popFirst() else {
          Stderr.line("awsmfa: --code needs a value.")
          throw ExitCode(Failure.usage)
        }
        code = value
      default:
        if word.hasPrefix("--code=") {
          code = String(word.dropFirst(7))
        } else {
          Stderr.line(
            "awsmfa: exec does not know the option \(Quote.human(word)); put COMMAND after `--`.")
          throw ExitCode(Failure.usage)
        }
      }
    }
  }

  func execute(program: String, words: [String]) async throws {
    let environment = Environment.current()
    if let outer = environment.nonEmpty("AWSMFA_EXEC"), outer != profile, !nest {
      Stderr.line(
        "awsmfa: already inside `awsmfa exec \(outer)`; pass --nest to run \(Quote.human(profile)) inside it."
      )
      throw ExitCode(Failure.usage)
    }
    if server {
      try await serve(words: words, environment: environment)
      return
    }
    let resolved = try SharedConfig.load(environment: environment).resolve(profile)
    let context = try RunContext(
      profile: resolved, environment: environment, verbose: verbose, code: code)
    let credentials = try await context.service.credentials(
      for: resolved, options: .init(refresh: refresh))
    let exports = Exports(
      credentials: credentials, profile: resolved.name, region: resolved.region,
      refreshWindow: resolved.refreshWindow, environment: environment)
    // The new program inherits this process's environment: change it in place, then execvp.
    for name in exports.removed { unsetenv(name) }
    exports.forEachVariable { setenv($0, $1, 1) }
    setenv("AWSMFA_EXEC", profile, 1)
    let argv = words.map { strdup($0) } + [nil]
    // COMMAND gets the user's core-dump limit and stdin/stdout/stderr only.
    restoreCoreDumps()
    closeDescriptorsOnExec()
    execvp(program, argv)
    let failure = errno
    Stderr.line(
      "awsmfa: cannot run \(Quote.human(program)): \(String(cString: strerror(failure))).")
    throw ExitCode(failure == ENOENT ? 127 : 126)
  }

  /// `--server`: COMMAND runs beside a credential server, which ends with it.
  func serve(words: [String], environment: Environment) async throws {
    let endpoint = try await CredentialEndpoint.start(
      profile: profile, environment: environment, verbose: verbose, code: code)
    let status: Int32
    do {
      status = try await Supervisor.run(words, environment: endpoint.childEnvironment(environment))
    } catch {
      await endpoint.stop()
      Stderr.line("awsmfa: \(error)")
      throw ExitCode(error.status)
    }
    await endpoint.stop()
    throw ExitCode(status)
  }
}
