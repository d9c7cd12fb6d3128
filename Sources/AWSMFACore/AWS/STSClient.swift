import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// The STS calls awsmfa makes (a fake in unit tests).
package protocol STSService: Sendable {
  /// GetSessionToken, with an MFA device and code when given.
  func getSessionToken(
    signer: SigningCredentials, durationSeconds: Int?, serialNumber: String?, tokenCode: String?
  ) async throws(STSError) -> SessionCredentials
  /// AssumeRole, with an MFA device and code when given.
  func assumeRole(signer: SigningCredentials, role: AssumeRoleParameters) async throws(STSError)
    -> SessionCredentials
}

/// The parameters of one AssumeRole call.
package struct AssumeRoleParameters: Sendable, Equatable {
  package var roleArn: String
  package var sessionName: String
  package var externalId: String?
  package var durationSeconds: Int?
  package var serialNumber: String?
  package var tokenCode: String?

  package init(
    roleArn: String, sessionName: String, externalId: String? = nil, durationSeconds: Int? = nil,
    serialNumber: String? = nil, tokenCode: String? = nil
  ) {
    self.roleArn = roleArn
    self.sessionName = sessionName
    self.externalId = externalId
    self.durationSeconds = durationSeconds
    self.serialNumber = serialNumber
    self.tokenCode = tokenCode
  }
}

/// AWS query-protocol client for STS (and IAM, which speaks the same protocol).
package struct QueryClient: Sendable {
  package var transport: any HTTPTransport
  package var endpoint: ServiceEndpoint
  package var service: String
  package var version: String
  /// Seconds the whole request (every retry included) may take.
  package var deadline: Double
  package var clock: @Sendable () -> Date
  /// Extra attempts for throttling, 5xx and connection failures.
  package var retries: Int
  /// Receives one redacted line per HTTP exchange (`--debug`).
  package var trace: @Sendable (String) -> Void = { _ in }

  package init(
    transport: any HTTPTransport, endpoint: ServiceEndpoint, service: String, version: String,
    deadline: Double = 20, retries: Int = 2, clock: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.transport = transport
    self.endpoint = endpoint
    self.service = service
    self.version = version
    self.deadline = deadline
    self.retries = retries
    self.clock = clock
  }

  /// POSTs `Action` with `parameters`, signed, and returns the body of a 2xx answer.
  package func call(_ action: String, _ parameters: [(String, String)], signer: SigningCredentials)
    async throws(STSError) -> Substring
  {
    let answer = try await answer(action, parameters, signer: signer)
    return String(decoding: answer.body, as: UTF8.self)[...]
  }

  /// Like `call`, but the whole 2xx answer (doctor reads its `Date` header).
  package func answer(
    _ action: String, _ parameters: [(String, String)], signer: SigningCredentials
  )
    async throws(STSError) -> HTTPAnswer
  {
    let started = Date()
    var attempt = 0
    while true {
      do {
        return try await callOnce(
          action, parameters, signer: signer,
          remaining: deadline - Date().timeIntervalSince(started))
      } catch {
        attempt += 1
        let elapsed = Date().timeIntervalSince(started)
        // Jittered exponential backoff, only for answers that mean "try again", within the deadline.
        let pause = Double.random(in: 0.5...1.0) * 0.2 * pow(2, Double(attempt - 1))
        guard error.isRetryable, attempt <= retries, elapsed + pause < deadline - 1 else {
          throw error
        }
        try? await Task.sleep(nanoseconds: UInt64(pause * 1e9))
      }
    }
  }

  func callOnce(
    _ action: String, _ parameters: [(String, String)], signer: SigningCredentials,
    remaining: Double
  )
    async throws(STSError) -> HTTPAnswer
  {
    let form = ([("Action", action), ("Version", version)] + parameters)
      .map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }
      .joined(separator: "&")
    let body = Array(form.utf8)
    let contentType = "application/x-www-form-urlencoded; charset=utf-8"
    let request = SignableRequest(
      method: "POST", host: endpoint.host, path: endpoint.path,
      headers: [("Content-Type", contentType)],
      body: body)
    let sent = clock()
    let signed = SigV4Signer(credentials: signer, region: endpoint.signingRegion, service: service)
      .sign(request, date: sent)
    let headers = [("Content-Type", contentType), ("Accept", "text/xml")] + signed
    let answer: HTTPAnswer
    let started = Date()
    do {
      answer = try await transport.send(
        method: "POST", url: endpoint.url, headers: headers, body: body, timeout: max(1, remaining))
    } catch {
      trace(
        "POST \(endpoint.url) Action=\(action) signed by \(Redact.key(signer.accessKeyId)): \(error)"
      )
      throw .transport(error)
    }
    let elapsed = Int(Date().timeIntervalSince(started) * 1000)
    trace(
      "POST \(endpoint.url) Action=\(action) signed by \(Redact.key(signer.accessKeyId)): HTTP \(answer.status), \(answer.body.count) bytes, \(elapsed) ms"
    )
    if (200..<300).contains(answer.status) {
      return answer
    }
    throw Self.error(
      from: answer, text: String(decoding: answer.body, as: UTF8.self)[...], sent: sent)
  }

  static func error(from answer: HTTPAnswer, text: Substring, sent: Date) -> STSError {
    // Auth errors come as <ErrorResponse><Errors><Error>, service errors as <ErrorResponse><Error>.
    guard let element = XMLFields.element("Error", in: text),
      let code = XMLFields.text(of: "Code", in: element)
    else {
      if answer.status == 429 || answer.status >= 500 {
        return .unavailable(
          status: answer.status, code: "HTTP \(answer.status)",
          message: "STS is unavailable; try again shortly")
      }
      let snippet = text.prefix(80).split(whereSeparator: \.isNewline).joined(separator: " ")
      return .malformed(
        status: answer.status,
        detail: snippet.isEmpty
          ? "empty body" : "no <Error> element in \(Quote.human(String(snippet)))")
    }
    let message = XMLFields.text(of: "Message", in: element) ?? ""
    if code == "RequestExpired"
      || (code == "SignatureDoesNotMatch" && message.contains("Signature expired"))
      || code == "InvalidSignatureException" && message.contains("expired")
    {
      let offset = answer.header("Date").flatMap(HTTPDate.parse).map {
        Int(sent.timeIntervalSince1970) - Int($0)
      }
      return .clockSkew(code: code, message: message, offsetSeconds: offset)
    }
    let throttling: Set<String> = [
      "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
      "ServiceUnavailable", "InternalFailure", "InternalError", "IDPCommunicationError",
    ]
    if throttling.contains(code) || answer.status >= 500 || answer.status == 429 {
      return .unavailable(status: answer.status, code: code, message: message)
    }
    return .refused(status: answer.status, code: code, message: message)
  }
}

/// The STS operations over a `QueryClient`.
package struct STSClient: STSService {
  package var client: QueryClient

  package init(client: QueryClient) {
    self.client = client
  }

  package func getSessionToken(
    signer: SigningCredentials, durationSeconds: Int?, serialNumber: String?, tokenCode: String?
  ) async throws(STSError) -> SessionCredentials {
    var parameters: [(String, String)] = []
    if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
    if let serialNumber { parameters.append(("SerialNumber", serialNumber)) }
    if let tokenCode { parameters.append(("TokenCode", tokenCode)) }
    let body = try await client.call("GetSessionToken", parameters, signer: signer)
    return try Self.credentials(in: body)
  }

  package func assumeRole(signer: SigningCredentials, role: AssumeRoleParameters)
    async throws(STSError)
    -> SessionCredentials
  {
    var parameters = [("RoleArn", role.roleArn), ("RoleSessionName", role.sessionName)]
    if let value = role.externalId { parameters.append(("ExternalId", value)) }
    if let value = role.durationSeconds { parameters.append(("DurationSeconds", String(value))) }
    if let value = role.serialNumber { parameters.append(("SerialNumber", value)) }
    if let value = role.tokenCode { parameters.append(("TokenCode", value)) }
    let body = try await client.call("AssumeRole", parameters, signer: signer)
    return try Self.credentials(in: body)
  }

  /// GetCallerIdentity: the account, ARN and user id of the signer.
  package func callerIdentity(signer: SigningCredentials) async throws(STSError) -> (
    account: String, arn: String, userId: String
  ) {
    let body = try await client.call("GetCallerIdentity", [], signer: signer)
    guard let account = XMLFields.text(of: "Account", in: body),
      let arn = XMLFields.text(of: "Arn", in: body)
    else { throw .malformed(status: 200, detail: "GetCallerIdentity without Account or Arn") }
    return (account, arn, XMLFields.text(of: "UserId", in: body) ?? "")
  }

  /// The `<Credentials>` of a GetSessionToken/AssumeRole answer.
  static func credentials(in body: Substring) throws(STSError) -> SessionCredentials {
    guard let block = XMLFields.element("Credentials", in: body) else {
      throw .malformed(status: 200, detail: "no <Credentials> element")
    }
    guard let id = XMLFields.text(of: "AccessKeyId", in: block), !id.isEmpty,
      let secret = XMLFields.text(of: "SecretAccessKey", in: block), !secret.isEmpty,
      let token = XMLFields.text(of: "SessionToken", in: block), !token.isEmpty,
      let expirationText = XMLFields.text(of: "Expiration", in: block)
    else {
      throw .malformed(
        status: 200, detail: "<Credentials> lacks a key, secret, token or expiration")
    }
    guard let expiration = RFC3339.parse(expirationText.trimmingCharacters(in: " ")) else {
      throw .malformed(status: 200, detail: "unreadable Expiration \(Quote.human(expirationText))")
    }
    let credentials = SessionCredentials(
      accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    if let problem = credentials.shapeProblem { throw .malformed(status: 200, detail: problem) }
    return credentials
  }
}

/// RFC 7231 dates of HTTP `Date` headers (`Sat, 28 Nov 2026 15:36:37 GMT`).
package enum HTTPDate {
  /// Seconds since the epoch, or nil when `text` is not an RFC 7231 date.
  package static func parse(_ text: String) -> Int64? {
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    let parts = text.split(separator: " ")
    guard parts.count == 6, let day = Int(parts[1]),
      let month = months.firstIndex(of: String(parts[2])),
      let year = Int(parts[3])
    else { return nil }
    func padded(_ value: Int, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let stamp =
      "\(padded(year, 4))-\(padded(month + 1, 2))-\(padded(day, 2))T\(parts[4])Z"
    return RFC3339.parse(stamp)
  }
}
