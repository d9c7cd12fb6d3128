import AWSMFACore
import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// The core objects one command builds for a profile: transport, STS client, cache, code source.
struct RunContext {
  let service: SessionService
  let transport: NetworkTransport

  init(
    profile: ResolvedProfile, environment: Environment, verbose: Bool, code: String?,
    debug: Bool = false, defaultTimeout: Double = 20, mayPrompt: Bool = true
  ) throws {
    let endpoint = try ServiceEndpoint.resolve(
      service: "sts", profile: profile, environment: environment)
    Self.warnIfPlaintext(endpoint)
    transport = NetworkTransport(
      settings: NetworkSettings(environment: environment, profileBundle: profile.caBundle))
    var client = QueryClient(
      transport: transport, endpoint: endpoint, service: "sts", version: "2011-06-15",
      deadline: Self.timeout(environment, default: defaultTimeout))
    if debug { client.trace = { Stderr.line("awsmfa: debug: " + $0) } }
    let sts = STSClient(client: client)
    let verbose = verbose || debug
    let store = KernelKeyring.store(for: environment)
    let warn: @Sendable (String) -> Void = { Stderr.line($0) }
    let cache = CacheGuard(store: store, warn: warn)
    let note: @Sendable (String) -> Void = { text in
      if verbose { Stderr.line("awsmfa: " + text) }
    }
    note("STS endpoint \(endpoint.url) (signing region \(endpoint.signingRegion)).")
    service = SessionService(
      cache: cache, sts: sts,
      codeSource: { (profile) throws(MFAError) -> any MFACodeSource in
        try RunContext.codeSource(for: profile, code: code, mayPrompt: mayPrompt)
      },
      environment: environment, note: note)
  }

  /// The first source that applies: --code, mfa_process, a YubiKey holding the account (a key
  /// that is found but fails is an error, not a reason to fall through), a prompt on the terminal.
  /// A prompt hook's run (`mayPrompt` false) never asks on the terminal: it would ask at every
  /// prompt, and steal the line the user types.
  static func codeSource(for profile: ResolvedProfile, code: String?, mayPrompt: Bool = true)
    throws(MFAError) -> any MFACodeSource
  {
    if let code { return FixedCodeSource(code) }
    if let command = profile.mfaProcess {
      return ProcessCodeSource(command: command, timeout: mfaProcessTimeout())
    }
    if let yubikey = try YubiKeyCodeSource.find(profile: profile, peers: yubiKeyPeers()) {
      return yubikey
    }
    if let terminal = Terminal.open() {
      guard mayPrompt else { throw .needsTyping(profile: profile.name) }
      return TerminalCodeSource(terminal: terminal)
    }
    throw .noSource(profile: profile.name, device: profile.mfaSerial ?? "-")
  }

  /// Seconds an mfa_process may take: `AWSMFA_MFA_PROCESS_TIMEOUT` (1–600), default 60.
  static func mfaProcessTimeout() -> Double {
    let limit = Environment.current().nonEmpty("AWSMFA_MFA_PROCESS_TIMEOUT").flatMap(Double.init)
    return limit.map { min(max($0, 1), 600) } ?? 60
  }

  /// The YubiKey source's peers: the keyring remembers derived OATH password keys.
  static func yubiKeyPeers() -> YubiKeyCodeSource.Peers {
    let environment = Environment.current()
    let store = KernelKeyring.store(for: environment)
    return YubiKeyCodeSource.Peers(store: store)
  }

  /// Seconds one STS call may take, retries included: `AWSMFA_HTTP_TIMEOUT`, else `fallback`.
  static func timeout(_ environment: Environment, default fallback: Double = 20) -> Double {
    environment.nonEmpty("AWSMFA_HTTP_TIMEOUT").flatMap(Double.init).map { min(max($0, 1), 300) }
      ?? fallback
  }

  /// One line when requests would cross the network unencrypted; a local emulator stays quiet.
  static func warnIfPlaintext(_ endpoint: ServiceEndpoint) {
    guard endpoint.isPlaintextRemote else { return }
    Stderr.line(
      "awsmfa: warning: \(endpoint.url) is plain http to another machine: the request, its session token and the credentials that come back are not encrypted."
    )
  }
}
