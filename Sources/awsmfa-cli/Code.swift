import AWSMFACore
import AWSMFAKit
import ArgumentParser
import Foundation

/// `awsmfa code PROFILE`: the TOTP code of the profile's MFA device, from the YubiKey.
struct Code: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the current MFA code for PROFILE's device (for console sign-in).",
    discussion:
      "When fewer than 5 seconds of the code's period remain, prints the next code instead.")

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  func run() {
    disableCoreDumps()
    let environment = Environment.current()
    let output: String
    do {
      let profile = try SharedConfig.load(environment: environment).resolve(profile)
      guard profile.mfaSerial != nil || profile.oathAccount != nil else {
        throw ValidationError(
          "Profile \(Quote.human(profile.name)) has neither mfa_serial nor awsmfa_oath_account.")
      }
      let peers = RunContext.yubiKeyPeers()
      let key: OATHKey
      switch try YubiKeyCodeSource.locate(profile: profile, peers: peers) {
      case .found(let found): key = found
      case .absent(let why): throw why
      }
      output = try key.consoleCode(
        mfaSerial: profile.mfaSerial, now: epochNow(), store: peers.store, cue: peers.cue,
        notice: { Stderr.line($0) })
    } catch let error as ValidationError {
      Stderr.line("awsmfa: " + error.message)
      Foundation.exit(Failure.config)
    } catch {
      Failure.exit(with: error)
    }
    Stdout.write(output + "\n")
  }
}
