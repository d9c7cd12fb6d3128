import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa clear`: removes cached sessions from the keyring (awsmfa's keys only).
struct Clear: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove cached sessions: of the PROFILEs named, or all of them with --all.")

  @Argument(
    help: "Profiles whose cached credentials (and, for a source profile, MFA session) to remove.")
  var profiles: [String] = []

  @Flag(help: "Remove every cached session and remembered OATH password key.")
  var all = false

  func validate() throws {
    if all == !profiles.isEmpty {
      throw ValidationError(
        all
          ? "Give either --all or PROFILEs, not both."
          : "Name the PROFILEs to clear, or pass --all.")
    }
  }

  func run() throws {
    let environment = Environment.current()
    let store = KernelKeyring.forEnvironment(environment)
    let removed: Int
    // Resolution memos are shortcuts, not sessions: they go too, uncounted.
    try store.remove { $0.kind == .resolution && (all || profiles.contains($0.profile)) }
    if all {
      // Used-step records stay: they keep a code from being sent twice, whatever is cleared.
      removed = try store.remove { $0.kind != .step }
    } else {
      let config = try SharedConfig.load(environment: environment)
      var targets: Set<SessionIdentity> = []
      for name in profiles {
        let profile = try config.resolve(name)
        targets.insert(profile.targetIdentity)
        if profile.roles.isEmpty { targets.insert(profile.sessionIdentity) }
      }
      removed = try store.remove {
        targets.contains($0) || ($0.kind == .role && profiles.contains($0.profile))
      }
    }
    store.evictExpired(now: epochNow())
    Stderr.line("awsmfa: removed \(removed) cached session\(removed == 1 ? "" : "s").")
  }
}
