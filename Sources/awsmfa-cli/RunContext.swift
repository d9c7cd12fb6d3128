import AWSMFACore
import AWSMFAKit
import Foundation

/// The core objects one command builds for a profile: transport, STS client, cache, code source.
struct RunContext {
  let service: SessionService
  let transport: AsyncHTTPTransport

  init(
    profile: ResolvedProfile, environment: Environment, verbose: Bool, code: String?,
    debug: Bool = false
  ) throws {
    let endpoint = try ServiceEndpoint.resolve(
      service: "sts", profile: profile, environment: environment)
    transport = AsyncHTTPTransport()
    var client = QueryClient(
      transport: transport, endpoint: endpoint, service: "sts", version: "2011-06-15",
      deadline: Self.timeout(environment))
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
        try RunContext.codeSource(for: profile, code: code)
      },
      environment: environment, note: note)
  }

  /// The first source that applies: --code, mfa_process, a YubiKey holding the account (a key
  /// that is found but fails is an error, not a reason to fall through), a prompt on the terminal.
  static func codeSource(for profile: ResolvedProfile, code: String?) throws(MFAError)
    -> any MFACodeSource
  {
    if let code { return FixedCodeSource(code) }
    if let command = profile.mfaProcess { return ProcessCodeSource(command: command) }
    if let yubikey = try YubiKeyCodeSource.find(profile: profile, peers: yubiKeyPeers()) {
      return yubikey
    }
    if let terminal = Terminal.open() { return TerminalCodeSource(terminal: terminal) }
    throw .noSource(profile: profile.name, device: profile.mfaSerial ?? "-")
  }

  /// The YubiKey source's peers: the keyring remembers derived OATH password keys.
  static func yubiKeyPeers() -> YubiKeyCodeSource.Peers {
    let environment = Environment.current()
    let store = KernelKeyring.store(for: environment)
    return YubiKeyCodeSource.Peers(store: store)
  }

  /// Seconds one STS call may take, retries included: `AWSMFA_HTTP_TIMEOUT`, default 20.
  static func timeout(_ environment: Environment) -> Double {
    environment.nonEmpty("AWSMFA_HTTP_TIMEOUT").flatMap(Double.init).map { min(max($0, 1), 300) }
      ?? 20
  }

  func close() {
    transport.shutdownAndWait()
  }
}
