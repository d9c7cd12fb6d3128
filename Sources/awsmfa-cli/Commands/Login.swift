import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa login PROFILE`: the AWS console, signed in as the profile's role.
struct Login: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Open the AWS console signed in with PROFILE's role credentials.",
    discussion:
      "Exchanges the role credentials (cached, or from the MFA session) for a sign-in token at the federation endpoint of the profile's partition (AWS_ENDPOINT_URL_SIGNIN overrides it), then opens the sign-in URL with xdg-open, or prints it with --print. The URL signs in whoever opens it within 15 minutes: treat it as a secret."
  )

  @Argument(help: "A profile that assumes a role.")
  var profile: String

  @Flag(help: "Print the sign-in URL on stdout instead of opening a browser.")
  var print = false

  @Option(help: "The console page to land on (default: the console's home in the partition).")
  var destination: String?

  @Option(help: "Use this MFA code instead of the YubiKey, mfa_process or a prompt.")
  var code: String?

  @Flag(name: [.short, .long], help: "Explain on stderr what is cached and fetched.")
  var verbose = false

  func run() async throws {
    disableCoreDumps()
    let environment = Environment.current()
    let url: String
    let resolved = try SharedConfig.load(environment: environment).resolve(profile)
    guard !resolved.roles.isEmpty else { throw LoginError.notRole(profile: resolved.name) }
    let signin = try ConsoleSignin(profile: resolved, environment: environment)
    if let destination, HTTPTarget(url: destination)?.scheme != "https" {
      throw LoginError.badDestination(destination)
    }
    let context = try RunContext(
      profile: resolved, environment: environment, verbose: verbose, code: code)
    let credentials = try await context.service.credentials(for: resolved)
    let token = try await signin.token(for: credentials, transport: context.transport)
    url = signin.loginURL(token: token, destination: destination)
    if print {
      Stdout.write(url + "\n")
      return
    }
    let status: Int32
    do {
      status = try await Supervisor.run(["xdg-open", url], environment: environment.values)
    } catch {
      Stderr.line("awsmfa: \(error); use --print and open the URL yourself.")
      throw ExitCode(error.status)
    }
    guard status == 0 else {
      Stderr.line(
        "awsmfa: xdg-open could not open the sign-in URL (status \(status)); try --print.")
      throw ExitCode(Failure.unavailable)
    }
  }
}

/// The console federation endpoint of a profile's partition.
struct ConsoleSignin {
  /// `https://signin.aws.amazon.com` or the override, without a trailing slash.
  let base: String
  /// The console's home page in the partition.
  let console: String

  init(profile: ResolvedProfile, environment: Environment) throws {
    let region = try ServiceEndpoint.effectiveRegion(profile: profile, environment: environment)
    let partition = Partition.forRegion(region ?? "us-east-1").id
    guard let known = Self.partitions[partition] else {
      throw LoginError.partition(partition)
    }
    console = known.console
    if let override = environment.nonEmpty("AWS_ENDPOINT_URL_SIGNIN") {
      guard HTTPTarget(url: override) != nil else {
        throw LoginError.badEndpoint(override)
      }
      var trimmed = Substring(override)
      while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
      base = String(trimmed)
    } else {
      base = known.signin
    }
  }

  static let partitions: [String: (signin: String, console: String)] = [
    "aws": ("https://signin.aws.amazon.com", "https://console.aws.amazon.com/"),
    "aws-cn": ("https://signin.amazonaws.cn", "https://console.amazonaws.cn/"),
    "aws-us-gov": ("https://signin.amazonaws-us-gov.com", "https://console.amazonaws-us-gov.com/"),
  ]

  /// Exchanges role credentials for a sign-in token (getSigninToken). No SessionDuration is
  /// sent: AWS refuses it for role credentials, whose console session lasts as long as they do.
  func token(for credentials: SessionCredentials, transport: any HTTPTransport) async throws
    -> String
  {
    let session =
      "{\"sessionId\":\(JSONText.quote(credentials.accessKeyId)),"
      + "\"sessionKey\":\(JSONText.quote(credentials.secretAccessKey)),"
      + "\"sessionToken\":\(JSONText.quote(credentials.sessionToken))}"
    let url =
      base + "/federation?Action=getSigninToken&Session=" + SigV4Signer.uriEncode(session)
    let answer: HTTPAnswer
    do {
      answer = try await transport.send(
        method: "GET", url: url, headers: [("Accept", "application/json")], body: [],
        timeout: 20)
    } catch {
      throw STSError.transport(error)
    }
    guard answer.status == 200 else {
      throw LoginError.refused(status: answer.status, host: HTTPTarget(url: base)?.host ?? base)
    }
    var token: String?
    let parsed = JSONText.forEachField(String(decoding: answer.body, as: UTF8.self)) {
      name, value in
      if name == "SigninToken", case .string(let text) = value { token = text }
    }
    guard parsed, let token, !token.isEmpty, token.utf8.count <= 8192,
      token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else {
      throw LoginError.malformed(host: HTTPTarget(url: base)?.host ?? base)
    }
    return token
  }

  /// The URL that signs the browser in and lands on `destination`.
  func loginURL(token: String, destination: String?) -> String {
    base + "/federation?Action=login&Issuer=awsmfa&Destination="
      + SigV4Signer.uriEncode(destination ?? console) + "&SigninToken="
      + SigV4Signer.uriEncode(token)
  }
}

/// Why `login` cannot sign in.
enum LoginError: Error, CustomStringConvertible {
  case notRole(profile: String)
  case partition(String)
  case badEndpoint(String)
  case badDestination(String)
  case refused(status: Int, host: String)
  case malformed(host: String)

  var description: String {
    switch self {
    case .notRole(let profile):
      return
        "Profile \(Quote.human(profile)) assumes no role: the console's federation endpoint signs in only with role credentials, not an MFA session's. Use a profile with role_arn."
    case .partition(let partition):
      return "Console sign-in through awsmfa is not available in the \(partition) partition."
    case .badEndpoint(let value):
      return "AWS_ENDPOINT_URL_SIGNIN is not an http(s) URL: \(Quote.human(value))."
    case .badDestination(let value):
      return "--destination must be an https URL: \(Quote.human(value))."
    case .refused(let status, let host):
      return "The sign-in endpoint \(host) refused the role credentials (HTTP \(status))."
    case .malformed(let host):
      return "The sign-in endpoint \(host) sent an answer without a sign-in token."
    }
  }

  var exitCode: Int32 {
    switch self {
    case .notRole, .partition, .badEndpoint: return Failure.config
    case .badDestination: return Failure.usage
    case .refused(let status, _): return status >= 500 ? Failure.unavailable : Failure.refused
    case .malformed: return Failure.protocolError
    }
  }
}
