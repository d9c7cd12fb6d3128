import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa device enroll PROFILE`: a new IAM virtual MFA device whose secret lives on the YubiKey.
struct DeviceEnroll: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "enroll",
    abstract: "Create and enable an IAM virtual MFA device for PROFILE's user on the YubiKey.",
    discussion: """
      Writes mfa_serial and awsmfa_oath_account into the profile (a backup of the config file is \
      kept beside it) and caches a first session. Runs without questions when stdin is not a \
      terminal. On failure, everything done so far is undone.
      """)

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  @Option(help: "The IAM device name (default: the user name).")
  var name: String?

  @OptionGroup var credential: CredentialOptions

  @Flag(help: "Show the otpauth:// URI as a QR code on the terminal, for a phone app as backup.")
  var backupQr = false

  func run() async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let outcome: Enrolment.Outcome
    let config = try SharedConfig.load(environment: environment)
    let profile = try config.resolve(profile)
    if isatty(0) == 1, let terminal = Terminal.open() {
      let answer = terminal.ask(
        "Enrol a new IAM MFA device for profile \(Quote.human(profile.name)) onto the YubiKey? [y/N] "
      )
      guard let answer, answer.lowercased().hasPrefix("y") else {
        throw CleanExit.message("Nothing was changed.")
      }
    }
    let context = try DeviceContext(profile: profile, environment: environment)
    let key = try PluggedKeys.one(
      peers: RunContext.yubiKeyPeers(), wanted: credential.yubikey ?? profile.yubikeySerial)
    let enrolment = Enrolment(
      peers: .init(
        identity: context.sts, iam: context.iam, sts: context.sts, cache: context.cache, key: key,
        writeConfig: { serial, oathName in
          try ConfigFileWriter.update(
            path: config.configPath, profile: profile.name,
            values: [("mfa_serial", serial), ("awsmfa_oath_account", oathName)], now: epochNow())
        },
        cue: { Cue.show($0) }))
    outcome = try await enrolment.run(
      profile: profile,
      options: .init(deviceName: name, touch: !credential.noTouch, force: credential.force))
    Stderr.line(
      "awsmfa: enrolled \(outcome.serial) for user \(outcome.user) as \(Quote.human(outcome.oathName)) on \(key.label)."
    )
    Stderr.line(
      "awsmfa: profile \(Quote.human(profile.name)) in \(config.configPath) now uses it"
        + (outcome.backup.map { "; the previous file is kept as \($0)." } ?? "."))
    Stderr.line("awsmfa: a first session is cached for \(outcome.expiration - epochNow()) s.")
    if backupQr { showQR(outcome.otpauthURI) }
    Stdout.write(outcome.serial + "\n")
  }

  /// The QR code goes to the controlling terminal only: never into a pipe or a log file.
  func showQR(_ uri: String) {
    guard let terminal = Terminal.open() else {
      Stderr.line(
        "awsmfa: warning: no terminal, so the backup QR code is not shown (it is never written to a pipe)."
      )
      return
    }
    do {
      let drawing = try QRCode.render(uri)
      terminal.say(
        """
        Backup QR code: it holds the secret of this MFA device. Scan it with a phone app now, make \
        sure nobody else sees this screen, and clear the terminal (and its scrollback) afterwards.

        \(drawing)
        """)
    } catch {
      Stderr.line("awsmfa: warning: \(error)")
    }
  }
}
