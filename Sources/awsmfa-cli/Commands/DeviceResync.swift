import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa device resync PROFILE`: two consecutive codes from the card → ResyncMFADevice.
struct DeviceResync: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "resync",
    abstract: "Resynchronise PROFILE's IAM MFA device with two consecutive codes from the YubiKey.")

  @Argument(help: "The profile in the AWS config files.")
  var profile: String

  func run() async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let profile = try SharedConfig.load(environment: environment).resolve(profile)
    guard let serial = profile.mfaSerial else { throw EnrolError.noDevice(profile: profile.name) }
    let peers = RunContext.yubiKeyPeers()
    let key: OATHKey
    switch try YubiKeyCodeSource.locate(profile: profile, peers: peers) {
    case .found(let found): key = found
    case .absent(let why): throw why
    }
    let context = try DeviceContext(profile: profile, environment: environment)
    try await DeviceOps.resync(
      profile: profile, source: YubiKeyCodeSource.using(key, peers: peers), identity: context.sts,
      iam: context.iam, cache: context.cache, now: epochNow())
    Stderr.line("awsmfa: resynchronised \(serial) with \(key.label).")
  }
}
