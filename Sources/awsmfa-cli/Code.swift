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

  /// Seconds before the end of a period at which the next code is printed instead.
  static let margin: Int64 = 5

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
      let source = YubiKeyCodeSource.using(key, peers: peers)
      let now = epochNow()
      let period = Int64(source.period)
      let left = period - now % period
      let at = left < Self.margin ? now + period : now
      if at != now {
        Stderr.line("awsmfa: the current code expires in \(left) s; this is the next one.")
      }
      output = try source.calculate(at: at)
      // A code shown for the console is spent: `env` must not send it again.
      if let serial = profile.mfaSerial, period == 30, let store = peers.store {
        try? UsedSteps.record(at / 30, device: serial, store: store, now: now)
      }
    } catch let error as ValidationError {
      Stderr.line("awsmfa: " + error.message)
      Foundation.exit(Failure.config)
    } catch {
      Failure.exit(with: error)
    }
    Stdout.write(output + "\n")
  }
}
