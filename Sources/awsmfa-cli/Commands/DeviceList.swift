import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa device list [PROFILE]`: IAM devices beside the OATH credentials on the YubiKeys.
struct DeviceList: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract:
      "List IAM MFA devices and the OATH credentials on each plugged-in YubiKey, with the profiles using them."
  )

  @Argument(help: "Only this profile (default: every profile in the config files).")
  var profile: String?

  func run() async throws {
    let environment = Environment.current()
    let inventory: DeviceOps.Inventory
    let config = try SharedConfig.load(environment: environment)
    let profiles: [ResolvedProfile]
    if let profile {
      profiles = [try config.resolve(profile)]
    } else {
      profiles = config.profileNames.compactMap { try? config.resolve($0) }
    }
    var keys: [PluggedKey] = []
    do {
      keys = try PluggedKeys.all(peers: RunContext.yubiKeyPeers())
    } catch {
      Stderr.line("awsmfa: warning: \(Failure.classify(error).message) YubiKeys are not shown.")
    }
    let context = try DeviceContext(profile: profiles.first, environment: environment)
    inventory = await DeviceOps.inventory(
      profiles: profiles, keys: keys, identity: context.sts, iam: context.iam)
    let header = ["WHERE", "DEVICE / CREDENTIAL", "PROFILES"]
    let cells = inventory.rows.map {
      [$0.place, $0.name, $0.profiles.isEmpty ? "-" : $0.profiles.joined(separator: ",")]
    }
    let widths = (0..<2).map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
    var text =
      ([header] + cells).map { line in
        line[0].paddedRight(to: widths[0]) + "  "
          + line[1].paddedRight(to: widths[1]) + "  " + line[2]
      }.joined(separator: "\n") + "\n"
    for problem in inventory.problems { text += "mismatch: \(problem)\n" }
    Stdout.report(text)
  }
}
