import AWSMFACore
import AWSMFAKit
import ArgumentParser

/// The full command line; the front binary `awsmfa` execs this for everything but a cached `env`.
@main
struct AWSMFA: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "awsmfa",
    abstract: "AWS credentials with MFA from a YubiKey, cached in the kernel keyring.",
    discussion: """
      Typical use: eval "$(awsmfa env prod)". Exit codes: 0 success, 64 usage, 69 no MFA code \
      (card, terminal, mfa_process), 74 keyring, 75 network or STS unavailable, 76 unreadable STS \
      answer, 77 STS refused, 78 configuration, 130 interrupted.
      """,
    version: AWSMFAVersion.string,
    subcommands: [
      Env.self, Unset.self, Code.self, Exec.self, Serve.self, Login.self, List.self, Clear.self,
      Hook.self, Completion.self,
      Doctor.self, Device.self, Resolve.self, NetworkCommand.self, EndpointCommand.self,
      Manual.self,
    ]
  )

  /// Parses, runs, and sends every failure through `Failure.finish`, the one exit path.
  static func main() async {
    // The call the front binary hands over on a cache miss, run without building the
    // ArgumentParser tree: its reflection over every command costs a cold `env` about 2 MB of
    // memory and a few milliseconds. A test holds EnvCall to the tree's reading.
    if let call = EnvCall(Array(CommandLine.arguments.dropFirst())) {
      do {
        try await Env.produce(profile: call.profile, format: call.format, hook: call.hook)
      } catch {
        Failure.finish(error)
      }
      return
    }
    do {
      var command = try parseAsRoot()
      if var command = command as? any AsyncParsableCommand {
        try await command.run()
      } else {
        try command.run()
      }
    } catch {
      Failure.finish(error)
    }
  }
}
