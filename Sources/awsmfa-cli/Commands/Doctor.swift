import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa doctor [PROFILE]`: one line per check, ✔ or ✘ with a fix.
struct Doctor: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check config files, the profile chain, keyring, pcscd and YubiKeys, and clock skew.",
    discussion: "Exits 0 when every check passes, 1 otherwise.")

  @Argument(help: "A profile to check end to end (chain, keys, endpoint, clock against STS).")
  var profile: String?

  func run() async throws {
    let environment = Environment.current()
    var report = Report()
    let config = checkConfig(environment, &report)
    checkKeyring(environment, &report)
    // pcscd is a failure only when the profile's codes can come from nowhere but a card.
    let resolved = profile.flatMap { name in config.flatMap { try? $0.resolve(name) } }
    let needsCard =
      resolved.map { $0.mfaProcess == nil && $0.mfaSerial != nil && Terminal.open() == nil }
      ?? false
    checkCards(&report, needsCard: needsCard)
    if let profile, let config {
      await checkProfile(profile, config: config, environment: environment, report: &report)
    }
    Stdout.report(report.lines.joined(separator: "\n") + "\n")
    if report.failed { throw ExitCode(1) }
  }

  func checkConfig(_ environment: Environment, _ report: inout Report) -> SharedConfig? {
    do {
      let config = try SharedConfig.load(environment: environment)
      let count = config.profileNames.count
      let exists = access(config.configPath, F_OK) == 0
      report.pass(
        "config: \(config.configPath)\(exists ? "" : " (absent)") and \(config.credentialsPath) parsed, \(count) profile\(count == 1 ? "" : "s")"
      )
      return config
    } catch {
      report.fail("config: \(error)", fix: "fix the line named, or move the file aside")
      return nil
    }
  }

  func checkKeyring(_ environment: Environment, _ report: inout Report) {
    let store = KernelKeyring.forEnvironment(environment)
    let probe = SessionIdentity(kind: .step, profile: "-", device: "doctor-probe", fingerprint: "-")
    do {
      try store.store(probe, payload: "0", expiresAt: epochNow() + 5, now: epochNow())
      try store.remove { $0 == probe }
      let entries = try store.list()
      report.pass(
        "keyring: @u/\(store.keyringName) usable, \(entries.count) cached entr\(entries.count == 1 ? "y" : "ies")\(Self.quota())"
      )
    } catch {
      report.fail(
        "keyring: \(error)",
        fix:
          "awsmfa works without a cache but asks for a code more often; see README 'Kernel keyring'"
      )
    }
  }

  /// Quota use from /proc/key-users for this uid: keys and bytes used of the maximum.
  static func quota() -> String {
    guard let text = try? String(contentsOfFile: "/proc/key-users", encoding: .utf8) else {
      return ""
    }
    let uid = getuid()
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 5, fields[0] == "\(uid):" else { continue }
      return "; quota: \(fields[3]) keys, \(fields[4]) bytes used"
    }
    return ""
  }

  func checkCards(_ report: inout Report, needsCard: Bool) {
    do {
      let readers = try PCSCContext().readers()
      if readers.isEmpty {
        report.problem(
          "pcscd: running, but no smart-card reader is connected", fix: "plug in the YubiKey",
          failing: needsCard)
      } else {
        let keys = readers.filter { $0.contains("Yubico") || $0.contains("YubiKey") }
        report.pass(
          "pcscd: \(readers.count) reader\(readers.count == 1 ? "" : "s") (\(keys.count) named like a YubiKey): \(readers.joined(separator: ", "))"
        )
      }
    } catch {
      report.problem(
        "pcscd: \(error)", fix: error.hint ?? "start pcscd (systemctl start pcscd.socket)",
        failing: needsCard)
    }
  }

  func checkProfile(
    _ name: String, config: SharedConfig, environment: Environment, report: inout Report
  ) async {
    let profile: ResolvedProfile
    do {
      profile = try config.resolve(name)
    } catch {
      report.fail("profile \(Quote.human(name)): \(error)", fix: "see README 'Configuration'")
      return
    }
    let chain = ([profile.sourceProfile] + profile.roles.map(\.profile)).map(Quote.human).joined(
      separator: " -> ")
    report.pass(
      "profile \(Quote.human(name)): chain \(chain), keys \(Redact.key(profile.keys.accessKeyId)), MFA device \(profile.mfaSerial ?? "none")"
    )
    if !profile.roles.isEmpty, profile.mfaSerial != nil {
      report.note(
        "roles are assumed with the MFA session, so they last at most 1 h (AWS's role-chaining limit)"
      )
    }
    if profile.mfaSerial != nil || profile.oathAccount != nil, profile.mfaProcess == nil {
      checkYubiKey(profile, report: &report)
    }
    let endpoint: ServiceEndpoint
    do {
      endpoint = try ServiceEndpoint.resolve(
        service: "sts", profile: profile, environment: environment)
    } catch {
      report.fail("endpoint: \(error)", fix: "correct the variable or endpoint_url")
      return
    }
    report.pass("endpoint: \(endpoint.url) (signing region \(endpoint.signingRegion))")
    let settings = NetworkSettings(environment: environment, profileBundle: profile.caBundle)
    guard checkNetwork(settings, endpoint: endpoint, report: &report) else { return }
    let transport = NetworkTransport(settings: settings)
    let client = QueryClient(
      transport: transport, endpoint: endpoint, service: "sts", version: "2011-06-15", deadline: 10,
      retries: 0)
    let sent = Date()
    do {
      let answer = try await client.answer(
        "GetCallerIdentity", [],
        signer: SigningCredentials(
          accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey))
      let arn =
        XMLFields.text(of: "Arn", in: String(decoding: answer.body, as: UTF8.self)[...]) ?? "?"
      report.pass("keys: STS knows them as \(arn)")
      skew(answer.header("Date"), sent: sent, report: &report)
    } catch {
      if case .clockSkew = error {
        report.fail("clock: \(error)", fix: "fix the system clock (is NTP running?)")
      } else {
        report.fail(
          "keys: \(error)",
          fix: "check the access keys of \(Quote.human(profile.sourceProfile)) and the endpoint")
      }
    }
  }

  /// The proxy the STS endpoint is reached through and the CA bundle, each checked; false when
  /// either is unusable (the STS call would only repeat the error).
  func checkNetwork(_ settings: NetworkSettings, endpoint: ServiceEndpoint, report: inout Report)
    -> Bool
  {
    var usable = true
    do {
      if let proxy = try settings.proxy(for: endpoint.url) {
        report.pass("proxy: \(proxy.display) (from \(proxy.variable))")
      } else {
        report.note("proxy: none for \(endpoint.url)")
      }
    } catch {
      report.fail("proxy: \(error)", fix: "set it to http://[user:password@]host:port")
      usable = false
    }
    if let (path, source) = settings.caBundle {
      do {
        let count = try NetworkTransport.loadBundle(path: path, source: source).count
        report.pass(
          "CA bundle: \(path) (from \(source)), \(count) certificate\(count == 1 ? "" : "s"), replacing the system's trust store"
        )
      } catch {
        report.fail("CA bundle: \(error)", fix: "point \(source) at a PEM file of CA certificates")
        usable = false
      }
    }
    return usable
  }

  /// Whether a plugged-in YubiKey holds the profile's OATH credential (no code is calculated
  /// that needs a touch, and a locked applet is reported rather than asked for).
  func checkYubiKey(_ profile: ResolvedProfile, report: inout Report) {
    let locator = KeyLocator(
      profile: profile,
      unlock: { (session, _) throws(OATHError) in throw .passwordRequired(key: session.label) })
    let directory: PCSCContext
    do {
      directory = try PCSCContext()
    } catch {
      return  // the pcscd line already says why
    }
    do {
      switch try locator.locate(in: directory, time: epochNow()) {
      case .found(let key):
        let touch = key.entry.touch ? ", touch required" : ""
        report.pass("YubiKey: \(Quote.human(key.entry.name.raw)) on \(key.label)\(touch)")
      case .absent(let why):
        report.fail(
          "YubiKey: \(why)",
          fix: why.hint ?? "plug in the key, or set awsmfa_oath_account / awsmfa_yubikey_serial")
      }
    } catch .passwordRequired(let key) {
      report.note("YubiKey: the OATH applet of \(key) is password-protected; env will ask once")
    } catch {
      report.fail("YubiKey: \(error)", fix: error.hint ?? "see README 'YubiKey'")
    }
  }

  func skew(_ date: String?, sent: Date, report: inout Report) {
    guard let date, let server = HTTPDate.parse(date) else {
      report.note("clock: STS sent no Date header, skew not measured")
      return
    }
    let offset = Int(sent.timeIntervalSince1970) - Int(server)
    if abs(offset) > 30 {
      report.fail(
        "clock: this machine is \(abs(offset)) s \(offset > 0 ? "ahead of" : "behind") STS",
        fix: "fix the system clock (is NTP running?); TOTP codes and signatures depend on it")
    } else {
      report.pass("clock: within \(abs(offset)) s of STS")
    }
  }
}

/// Doctor's lines and whether any check failed.
struct Report {
  var lines: [String] = []
  var failed = false

  mutating func pass(_ text: String) { lines.append("✔ " + text) }
  mutating func note(_ text: String) { lines.append("  " + text) }
  mutating func fail(_ text: String, fix: String) {
    failed = true
    lines.append("✘ " + text + " — fix: " + fix)
  }

  /// A failure when `failing`, else information (a YubiKey is optional where codes come from
  /// `mfa_process` or a prompt): the exit status stays 0.
  mutating func problem(_ text: String, fix: String, failing: Bool) {
    if failing {
      fail(text, fix: fix)
    } else {
      lines.append("ℹ " + text + " — only needed for a YubiKey: " + fix)
    }
  }
}
