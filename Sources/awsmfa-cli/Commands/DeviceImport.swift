import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa device import NAME`: the console route (root user included).
struct DeviceImport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Put a secret key shown by the AWS console onto the YubiKey and print two codes.",
    discussion: """
      The secret key is read from the terminal without echo (never from arguments or stdin). \
      Type the two codes printed into the console's "MFA code 1" and "MFA code 2" boxes.
      """)

  @Argument(
    help:
      "The account part of the credential name, e.g. root@123456789012 (or a full ISSUER:ACCOUNT).")
  var account: String

  @OptionGroup var credential: CredentialOptions

  func run() throws {
    disableCoreDumps()
    let name = account.contains(":") ? account : "\(AccountMatch.awsIssuer):\(account)"
    let codes: (String, String)
    guard let terminal = Terminal.open() else {
      throw MFAError.terminal("there is no terminal to paste the secret key on")
    }
    let key = try PluggedKeys.one(peers: RunContext.yubiKeyPeers(), wanted: credential.yubikey)
    guard let secret = terminal.ask("Secret key for \(name) (not shown): ", echo: false) else {
      throw MFAError.cancelled
    }
    codes = try Enrolment.importSecret(
      secret, name: name, key: key, touch: !credential.noTouch, force: credential.force,
      now: epochNow(),
      cue: { Cue.show($0) })
    Stderr.line("awsmfa: stored \(Quote.human(name)) on \(key.label).")
    Stdout.write("MFA code 1: \(codes.0)\nMFA code 2: \(codes.1)\n")
  }
}
