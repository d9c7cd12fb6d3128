import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa code PROFILE`: the TOTP code of the profile's MFA device, from the source `env` would
/// use: its `mfa_process`, else the YubiKey holding the account, else a prompt on the terminal.
struct Code: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the current MFA code for PROFILE's device (for console sign-in).",
    discussion:
      "When fewer than 5 seconds of the code's period remain, prints the next code instead.")

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  func run() async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let output: String
    let profile = try SharedConfig.load(environment: environment).resolve(profile)
    guard profile.mfaSerial != nil || profile.oathAccount != nil else {
      throw Failure.Message(
        code: Failure.config,
        text:
          "Profile \(Quote.human(profile.name)) has neither mfa_serial nor awsmfa_oath_account.")
    }
    let peers = RunContext.yubiKeyPeers()
    let source: any MFACodeSource
    if let command = profile.mfaProcess {
      source = ProcessCodeSource(command: command, timeout: RunContext.mfaProcessTimeout())
    } else {
      switch try YubiKeyCodeSource.locate(profile: profile, peers: peers) {
      case .found(let key):
        output = try key.consoleCode(
          mfaSerial: profile.mfaSerial, now: epochNow(), store: peers.store, cue: peers.cue,
          notice: { Stderr.line($0) })
        return Stdout.write(output + "\n")
      case .absent(let why):
        // No card: a person at a terminal can type the code; without one, say why the card
        // could not answer.
        guard let terminal = Terminal.open() else { throw why }
        source = TerminalCodeSource(terminal: terminal)
      }
    }
    // mfa_process or the terminal: the code of the current step, which `env` will then not
    // send again (the step is recorded as used).
    let step = TOTPStep(time: epochNow()).index
    output = try await source.code(
      device: profile.mfaSerial ?? profile.oathAccount ?? "-", profile: profile, step: step)
    if let serial = profile.mfaSerial {
      CacheGuard(store: peers.store, warn: { Stderr.line($0) })
        .recordStep(step, device: serial, now: epochNow())
    }
    Stdout.write(output + "\n")
  }
}
