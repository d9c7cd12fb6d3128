import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa device …`: IAM virtual MFA devices on a YubiKey.
struct Device: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Enrol, import, resync and list IAM virtual MFA devices on a YubiKey.",
    subcommands: [DeviceEnroll.self, DeviceImport.self, DeviceResync.self, DeviceList.self])
}

/// The AWS clients and cache the device commands build.
struct DeviceContext {
  let transport: NetworkTransport
  let sts: STSClient
  let iam: IAMClient
  let cache: CacheGuard

  init(profile: ResolvedProfile?, environment: Environment) throws {
    let stsEndpoint = try ServiceEndpoint.resolve(
      service: "sts", profile: profile, environment: environment)
    let iamEndpoint = try ServiceEndpoint.resolve(
      service: "iam", profile: profile, environment: environment)
    for endpoint in [stsEndpoint, iamEndpoint] { RunContext.warnIfPlaintext(endpoint) }
    transport = NetworkTransport(
      settings: NetworkSettings(environment: environment, profileBundle: profile?.caBundle))
    sts = STSClient(
      client: QueryClient(
        transport: transport, endpoint: stsEndpoint, service: "sts", version: "2011-06-15"))
    iam = IAMClient(
      client: QueryClient(
        transport: transport, endpoint: iamEndpoint, service: "iam", version: "2010-05-08"))
    cache = CacheGuard(store: KernelKeyring.store(for: environment), warn: { Stderr.line($0) })
  }
}

/// Flags the commands that write a credential share.
struct CredentialOptions: ParsableArguments {
  @Flag(help: "Do not require a touch for each code (touch is required by default).")
  var noTouch = false

  @Flag(help: "Replace an OATH credential of the same name on the YubiKey.")
  var force = false

  @Option(help: "The serial of the YubiKey to write to, when several are plugged in.")
  var yubikey: String?
}
