import AWSMFACore
import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// What `exec --server` and `serve` share: a profile's session service behind a credential
/// server, and the variables that point an SDK at it.
struct CredentialEndpoint {
  let server: CredentialServer
  let profile: ResolvedProfile
  let config: SharedConfig

  /// Gets the first credentials in the foreground (a code or a touch is asked for here, once),
  /// then serves. Later renewals never prompt on the terminal: it belongs to the command by then.
  static func start(profile name: String, environment: Environment, verbose: Bool, code: String?)
    async throws -> CredentialEndpoint
  {
    let config = try SharedConfig.load(environment: environment)
    let resolved = try config.resolve(name)
    let first = try RunContext(
      profile: resolved, environment: environment, verbose: verbose, code: code)
    _ = try await first.service.credentials(for: resolved)
    let later = try RunContext(
      profile: resolved, environment: environment, verbose: verbose, code: nil, mayPrompt: false)
    let renewer = Renewer(service: later.service, profile: resolved)
    let server = try await CredentialServer.start(
      provide: { await renewer.next() },
      log: { Stderr.line("awsmfa: server: " + $0) })
    return CredentialEndpoint(
      server: server, profile: resolved, config: config)
  }

  /// The variables an SDK reads to use the server.
  var variables: [(String, String)] {
    [
      ("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url),
      ("AWS_CONTAINER_AUTHORIZATION_TOKEN", server.token),
    ]
  }

  /// The command's environment: the server's variables, the profile's region, and nothing an
  /// SDK would prefer to the server — static keys, a profile, a relative URI or a token file.
  func childEnvironment(_ environment: Environment) -> [String: String] {
    var values = environment.values
    for name in Self.shadowing { values[name] = nil }
    for (name, value) in variables { values[name] = value }
    if let region = profile.region {
      values["AWS_REGION"] = region
      values["AWS_DEFAULT_REGION"] = region
    }
    values["AWSMFA_EXEC"] = profile.name
    // With no AWS_PROFILE, SDKs look at the default profile before a container endpoint: keys
    // for it in the credentials file would win over the server, so the command does not see
    // that file. Credentials the config file's default profile supplies cannot be hidden so.
    if let defaults = try? config.settings("default") {
      if defaults.credentials?["aws_access_key_id"] != nil {
        values["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
      }
      let supplying = [
        "aws_access_key_id", "role_arn", "credential_process", "sso_session", "sso_start_url",
        "web_identity_token_file", "credential_source",
      ]
      if let config = defaults.config, supplying.contains(where: { config[$0] != nil }) {
        Stderr.line(
          "awsmfa: warning: the default profile in \(self.config.configPath) supplies credentials, which AWS SDKs use before the server; the command may not get \(Quote.human(profile.name))'s."
        )
      }
    }
    return values
  }

  static let shadowing = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CREDENTIAL_FILE",
  ]

  func stop() async {
    await server.stop()
  }
}

/// One renewal at a time: requests that arrive together wait for the first one's answer
/// instead of each assuming the role.
actor Renewer {
  let service: SessionService
  let profile: ResolvedProfile
  /// The last failure reported on stderr (a failing SDK retries; one line per new failure).
  private var lastFailure: String?

  init(service: SessionService, profile: ResolvedProfile) {
    self.service = service
    self.profile = profile
  }

  func next() async -> Result<SessionCredentials, ServeFailure> {
    do {
      let credentials = try await service.credentials(for: profile)
      lastFailure = nil
      return .success(credentials)
    } catch {
      let (code, message) = Failure.classify(error)
      let failure: ServeFailure
      switch code {
      case Failure.noCode:
        failure = ServeFailure(
          status: 503, code: "MFASessionEnded",
          message:
            "The MFA session of \(profile.name) has ended and no YubiKey or mfa_process can start a new one: run `awsmfa env \(profile.name)` in a terminal. (\(message))"
        )
      case Failure.unavailable:
        failure = ServeFailure(status: 503, code: "ServiceUnavailable", message: message)
      case Failure.refused:
        failure = ServeFailure(status: 403, code: "AccessDenied", message: message)
      default:
        failure = ServeFailure(status: 500, code: "InternalError", message: message)
      }
      if failure.message != lastFailure {
        lastFailure = failure.message
        Stderr.line("awsmfa: server: " + failure.message)
      }
      return .failure(failure)
    }
  }
}
