import AWSMFACore
import AWSMFAKit
import ArgumentParser
import Foundation

/// `awsmfa exec PROFILE -- COMMAND…`: runs COMMAND with the credentials, replacing awsmfa.
struct Exec: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run COMMAND with PROFILE's credentials in its environment (execve, no shell).",
    usage: "awsmfa exec [--nest] [--refresh] [--verbose] PROFILE [--] COMMAND [ARG…]",
    discussion:
      "Options go before PROFILE; everything after it belongs to COMMAND. COMMAND's exit status is awsmfa's; signals reach it directly."
  )

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
  var command: [String] = []

  @Flag(help: "Allow running inside another awsmfa exec of a different profile.")
  var nest = false

  @Flag(help: "Fetch new credentials even if cached ones are fresh.")
  var refresh = false

  @Flag(name: [.short, .long], help: "Explain on stderr what is cached, fetched and capped.")
  var verbose = false

  func run() async throws {
    disableCoreDumps()
    let words = command.first == "--" ? Array(command.dropFirst()) : command
    guard let program = words.first else {
      throw ValidationError("Missing COMMAND: awsmfa exec PROFILE -- COMMAND…")
    }
    let environment = Environment.current()
    if let outer = environment.nonEmpty("AWSMFA_EXEC"), outer != profile, !nest {
      Stderr.line(
        "awsmfa: already inside `awsmfa exec \(outer)`; pass --nest to run \(Quote.human(profile)) inside it."
      )
      Foundation.exit(Failure.usage)
    }
    let exports: Exports
    do {
      let resolved = try SharedConfig.load(environment: environment).resolve(profile)
      let context = try RunContext(
        profile: resolved, environment: environment, verbose: verbose, code: nil)
      defer { context.close() }
      let credentials = try await context.service.credentials(
        for: resolved, options: .init(refresh: refresh))
      exports = Exports(
        credentials: credentials, profile: resolved.name, region: resolved.region,
        refreshWindow: resolved.refreshWindow)
    } catch {
      Failure.exit(with: error)
    }
    // The new program inherits this process's environment: change it in place, then execvp.
    unsetenv("AWS_PROFILE")
    exports.forEachVariable { setenv($0, $1, 1) }
    setenv("AWSMFA_EXEC", profile, 1)
    let argv = words.map { strdup($0) } + [nil]
    // COMMAND gets the user's core-dump limit and stdin/stdout/stderr only.
    restoreCoreDumps()
    closeDescriptorsOnExec()
    execvp(program, argv)
    let reason = String(cString: strerror(errno))
    Stderr.line("awsmfa: cannot run \(Quote.human(program)): \(reason).")
    Foundation.exit(errno == ENOENT ? 127 : 126)
  }
}
