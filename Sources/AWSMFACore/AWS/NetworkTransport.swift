import AWSMFAKit
import COpenSSL
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// HTTP/1.1, one connection per request: directly, or through a forward proxy (a CONNECT
/// tunnel for https, the absolute form for http), with TLS by the system's OpenSSL against its
/// trust store or a CA bundle, and every failure worded for a person.
///
/// Each request runs on a thread of its own with blocking-free sockets, so a stalled or
/// dripping peer is cut off at the deadline and a cancelled task is answered at once. Nothing
/// here links a TLS library into the binary: libssl is the one every Debian system has.
package final class NetworkTransport: HTTPTransport {
  let settings: NetworkSettings
  let connectTimeout: Double
  /// The TLS context, built on first use (reading a CA bundle costs a few milliseconds).
  private let context = Mutex<TLSContext?>(nil)
  /// Answers larger than this are refused (an STS answer is a few KiB).
  static let maxBody = 1 << 20
  /// A response head larger than this is refused.
  static let maxHead = 65536

  package init(settings: NetworkSettings, connectTimeout: Double = 5) {
    self.settings = settings
    self.connectTimeout = connectTimeout
  }

  package func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer {
    guard let target = HTTPTarget(url: url), Self.isSafe(target: target, headers: headers) else {
      throw TransportError(
        url: url, kind: .configuration,
        description: "\(Quote.human(url)) is not an http(s) URL awsmfa can send.")
    }
    let proxy: ProxyServer?
    do {
      proxy = try settings.proxy(for: url)
    } catch {
      throw TransportError(url: url, kind: .configuration, description: error.description)
    }
    let tls = target.scheme == "https" ? try tlsContext(url: url) : nil
    guard let cancellation = Cancellation() else {
      throw TransportError(
        url: url, kind: .unreachable, description: "Cannot send a request: out of descriptors.")
    }
    let exchange = Exchange(
      target: target, proxy: proxy, tls: tls, caBundle: settings.caBundle?.path,
      request: Request(method: method, headers: headers, body: body),
      connectTimeout: connectTimeout, cancellation: cancellation)
    let outcome = await withTaskCancellationHandler {
      await Detached.value { exchange.run(timeout: timeout) }
    } onCancel: {
      cancellation.cancel()
    }
    guard let outcome else {
      throw TransportError(
        url: url, kind: .unreachable,
        description: "Cannot send a request: no thread could be started.")
    }
    return try outcome.get()
  }

  /// Whether nothing in the request line or headers could split them: no control characters,
  /// spaces in the path, or line breaks in a header (they come from configuration).
  static func isSafe(target: HTTPTarget, headers: [(String, String)]) -> Bool {
    target.path.utf8.allSatisfy { $0 > 32 && $0 != 127 }
      && headers.allSatisfy { name, value in
        !name.isEmpty && name.utf8.allSatisfy(HTTPHead.isTokenByte)
          && value.utf8.allSatisfy { ($0 >= 32 || $0 == 9) && $0 != 127 }
      }
  }

  /// The shared TLS context: the CA bundle's certificates replace the system's trust store.
  func tlsContext(url: String) throws(TransportError) -> TLSContext {
    if let built = context.withLock({ $0 }) { return built }
    guard let raw = awsmfa_tls_client_context() else {
      throw TransportError(
        url: url, kind: .configuration, description: "Cannot set up TLS: OpenSSL refused.")
    }
    let built = TLSContext(raw)
    if let (path, source) = settings.caBundle {
      do {
        try Self.loadBundle(path: path, source: source).add(to: SSL_CTX_get_cert_store(raw))
      } catch {
        throw TransportError(url: url, kind: .configuration, description: error.description)
      }
    } else {
      built.useSystemTrustStore()
    }
    context.withLock { $0 = built }
    return built
  }

  /// The certificates in a PEM bundle; a missing, unreadable or certificate-less file is a
  /// configuration error naming it.
  package static func loadBundle(path: String, source: String) throws(NetworkError)
    -> CertificateBundle
  {
    let bytes: [UInt8]
    switch FileIO.readBytes(path: path) {
    case .success(let read): bytes = read
    case .failure(let error):
      throw .caBundle(path: path, source: source, reason: "cannot be read: \(error)")
    }
    guard let bundle = CertificateBundle(pem: bytes), bundle.count > 0 else {
      throw .caBundle(
        path: path, source: source, reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
      )
    }
    return bundle
  }
}

/// An OpenSSL client context, configured once and then only read (OpenSSL allows sharing it
/// between threads from then on).
final class TLSContext: @unchecked Sendable {
  // @unchecked: SSL_CTX is immutable after `NetworkTransport.tlsContext` configures it.
  let raw: OpaquePointer

  init(_ raw: OpaquePointer) {
    self.raw = raw
  }

  deinit { SSL_CTX_free(raw) }

  /// The system's trust store, read lazily: OpenSSL's hashed certificate directory (or
  /// SSL_CERT_DIR) looks up only the issuers a handshake needs, instead of parsing every root
  /// in the bundle file at start; SSL_CERT_FILE, when set, is read as OpenSSL always does.
  func useSystemTrustStore() {
    let directory =
      getenv(X509_get_default_cert_dir_env()).map { String(cString: $0) }
      ?? String(cString: X509_get_default_cert_dir())
    SSL_CTX_load_verify_dir(raw, directory)
    if let file = getenv(X509_get_default_cert_file_env()) {
      SSL_CTX_load_verify_file(raw, file)
    }
    ERR_clear_error()
  }
}

/// The certificates of a PEM bundle, parsed by OpenSSL.
package final class CertificateBundle {
  private var certificates: [OpaquePointer] = []

  package var count: Int { certificates.count }

  /// Nil when a certificate block cannot be parsed.
  init?(pem: [UInt8]) {
    let parsed: Bool = pem.withUnsafeBytes { raw in
      guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return false }
      defer { BIO_free(bio) }
      ERR_clear_error()
      while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
        certificates.append(certificate)
      }
      // The loop ends at "no more PEM blocks" (fine) or at a block that does not parse.
      let last = ERR_peek_last_error()
      ERR_clear_error()
      return last == 0 || ERR_GET_REASON(last) == PEM_R_NO_START_LINE
    }
    if !parsed { return nil }
  }

  deinit { certificates.forEach { X509_free($0) } }

  func add(to store: OpaquePointer?) {
    for certificate in certificates { X509_STORE_add_cert(store, certificate) }
    ERR_clear_error()
  }
}

/// What is sent: method, headers, body.
struct Request: Sendable {
  var method: String
  var headers: [(String, String)]
  var body: [UInt8]
}

/// One request from connect to the last byte of the answer, run on its own thread; every wait
/// ends at the deadline or when the task is cancelled.
final class Exchange: Sendable {
  let target: HTTPTarget
  let proxy: ProxyServer?
  let tls: TLSContext?
  let caBundle: String?
  let request: Request
  let connectTimeout: Double
  let cancellation: Cancellation

  init(
    target: HTTPTarget, proxy: ProxyServer?, tls: TLSContext?, caBundle: String?,
    request: Request, connectTimeout: Double, cancellation: Cancellation
  ) {
    self.target = target
    self.proxy = proxy
    self.tls = tls
    self.caBundle = caBundle
    self.request = request
    self.connectTimeout = connectTimeout
    self.cancellation = cancellation
  }

  func run(timeout: Double) -> Result<HTTPAnswer, TransportError> {
    let deadline = Monotonic.now() + max(timeout, 0.1)
    do {
      let connection: Connection
      do {
        connection = try Connection.open(
          host: proxy?.host ?? target.host, port: proxy?.port ?? target.port,
          connectTimeout: connectTimeout, deadline: deadline, cancellation: cancellation)
      } catch {
        throw Connect(failure: error)
      }
      let reader = HTTPReader(connection)
      if proxy != nil, tls != nil {
        try openTunnel(connection)
      }
      if let tls {
        try connection.startTLS(
          context: tls.raw, host: target.host, isAddress: target.isAddress)
      }
      try connection.write(requestBytes())
      var head: HTTPHead
      var status: Int
      repeat {
        head = try reader.readHead(limit: NetworkTransport.maxHead, expectResponse: true)
        status = try Self.status(of: head)
      } while (100..<200).contains(status)
      let noBody = status == 204 || status == 304 || request.method == "HEAD"
      let body =
        noBody
        ? [] : try reader.readBody(head.framing(isRequest: false), limit: NetworkTransport.maxBody)
      if proxy != nil, tls == nil, status == 407 {
        throw ProxyRefusal(status: 407, reason: "Proxy Authentication Required")
      }
      return .success(HTTPAnswer(status: status, headers: head.headers, body: body))
    } catch {
      return .failure(describe(error))
    }
  }

  /// The status code of a response head (`HTTP/1.x NNN reason`).
  static func status(of head: HTTPHead) throws -> Int {
    let parts = head.startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
      parts[1].utf8.count == 3, let status = Int(parts[1]), (100...599).contains(status)
    else {
      throw HTTPHead.Malformed(reason: "a malformed status line")
    }
    return status
  }

  /// CONNECT host:port through the proxy; TLS and HTTP start inside the tunnel once it answers 2xx.
  private func openTunnel(_ connection: Connection) throws {
    var lines = "CONNECT \(target.authority) HTTP/1.1\r\nHost: \(target.authority)\r\n"
    if let authorization = proxyAuthorization {
      lines += "Proxy-Authorization: \(authorization)\r\n"
    }
    lines += "\r\n"
    try connection.write(Array(lines.utf8))
    // The proxy's answer is read byte by byte up to its blank line, so nothing of the tunnel
    // (which the server never speaks first in anyway) is taken from the TLS layer.
    var head: [UInt8] = []
    while HTTPReader.endOfHead(head, from: max(0, head.count - 4)) == nil {
      guard head.count <= 16384 else {
        throw ProxyRefusal(status: 502, reason: "an over-long answer to CONNECT")
      }
      let byte = try connection.read(max: 1)
      guard !byte.isEmpty else {
        throw ProxyRefusal(status: 502, reason: "the proxy closed the connection")
      }
      head += byte
    }
    let statusLine = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    let status = parts.count >= 2 ? Int(parts[1]) ?? 502 : 502
    guard (200..<300).contains(status) else {
      throw ProxyRefusal(
        status: status, reason: parts.count == 3 ? String(parts[2].prefix(80)) : "")
    }
  }

  /// The request's bytes: head, then body.
  private func requestBytes() -> [UInt8] {
    let plainProxy = proxy != nil && tls == nil
    let uri = plainProxy ? "http://\(target.netloc)\(target.path)" : target.path
    var head = "\(request.method) \(uri) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
    for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
    head += "Content-Length: \(request.body.count)\r\nConnection: close\r\n"
    if plainProxy, let authorization = proxyAuthorization {
      head += "Proxy-Authorization: \(authorization)\r\n"
    }
    head += "\r\n"
    return Array(head.utf8) + request.body
  }

  private var proxyAuthorization: String? {
    guard let proxy, let user = proxy.user, let password = proxy.password else { return nil }
    return "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
  }

  /// The failure as one sentence: which host or proxy, what failed, what to do.
  func describe(_ error: any Error) -> TransportError {
    let url = "\(target.scheme)://\(target.hostHeader)"
    let viaProxy = proxy.map { " through the proxy \($0.display) (from \($0.variable))" } ?? ""
    let timedOut = TransportError(
      url: url, kind: .timedOut,
      description: "No answer from \(url)\(viaProxy) within the time limit.")
    let interrupted = TransportError(
      url: url, kind: .timedOut, description: "The request to \(url) was interrupted.",
      isRetryable: false)
    let closed = TransportError(
      url: url, kind: .unreachable,
      description: "\(url)\(viaProxy) closed the connection before answering.")
    func notHTTP(_ reason: String) -> TransportError {
      TransportError(
        url: url, kind: .unreachable,
        description: "\(url)\(viaProxy) sent something that is not HTTP (\(reason)).",
        isRetryable: false)
    }
    func io(_ failure: Connection.Failure) -> TransportError {
      switch failure {
      case .deadline: return timedOut
      case .cancelled: return interrupted
      case .closed: return closed
      }
    }
    switch error {
    case let failure as Connection.Failure:
      return io(failure)
    case let failure as HTTPReader.Failure:
      switch failure {
      case .io(let inner): return io(inner)
      case .malformed(let reason): return notHTTP(reason)
      case .ended: return closed
      case .tooLarge:
        return TransportError(
          url: url, kind: .unreachable,
          description: "\(url) sent an answer larger than \(NetworkTransport.maxBody) bytes.",
          isRetryable: false)
      }
    case let malformed as HTTPHead.Malformed:
      return notHTTP(malformed.reason)
    case let refusal as ProxyRefusal:
      guard let proxy else { return closed }
      let advice =
        refusal.status == 407
        ? proxy.user == nil
          ? " Put the user and password in \(proxy.variable) (http://user:password@\(proxy.address))."
          : " Check the user and password in \(proxy.variable)."
        : ""
      return TransportError(
        url: url, kind: .proxy,
        description:
          "The proxy \(proxy.address) (from \(proxy.variable)) refused to connect to \(target.authority): \(refusal.status) \(Visible.text(refusal.reason)).\(advice)",
        isRetryable: [502, 503, 504].contains(refusal.status))
    case let connect as Connect:
      let reason: (text: String, timedOut: Bool, unresolved: Bool)
      switch connect.failure {
      case .deadline: return timedOut
      case .cancelled: return interrupted
      case .unresolved(let host): reason = ("the name \(host) does not resolve", false, true)
      case .resolverSilent(let host):
        reason = ("the DNS server gave no answer for \(host) within the time limit", true, true)
      case .connectTimeout: reason = ("connect timed out", true, false)
      case .errno(let code): reason = Self.connectReason(code)
      }
      if let proxy {
        return TransportError(
          url: url, kind: reason.timedOut ? .timedOut : .unreachable,
          description:
            "Cannot reach the proxy \(proxy.display) (from \(proxy.variable)): \(reason.text).")
      }
      let hint =
        reason.unresolved
        ? " If this network needs a proxy, set HTTPS_PROXY (or HTTP_PROXY for http URLs)." : ""
      return TransportError(
        url: url, kind: reason.timedOut ? .timedOut : .unreachable,
        description: "Cannot reach \(url): \(reason.text).\(hint)")
    case let handshake as Connection.HandshakeFailure:
      switch handshake {
      case .deadline: return timedOut
      case .cancelled: return interrupted
      case .refused, .certificate:
        return TransportError(
          url: url, kind: .tls, description: tlsFailure(handshake), isRetryable: false)
      }
    default:
      return closed
    }
  }

  /// A failed handshake in words: which certificate check failed and what to do.
  private func tlsFailure(_ failure: Connection.HandshakeFailure) -> String {
    let host = target.host
    let trust =
      caBundle.map { "the CA bundle \($0)" } ?? "the system's trust store"
    let interception =
      proxy == nil
      ? "If a firewall inspects TLS, set AWS_CA_BUNDLE to its CA certificate."
      : "If the proxy inspects TLS, set AWS_CA_BUNDLE to its CA certificate."
    guard case .certificate(let refusal) = failure else { return handshakeRefused(host) }
    switch refusal.error {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return
        "The certificate of \(host) expired on \(Self.day(refusal.not_after)). Check this machine's clock; if it is right, the endpoint's certificate must be renewed."
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return
        "The certificate of \(host) is not valid until \(Self.day(refusal.not_before)). Check this machine's clock."
    case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
      return
        "The certificate presented by \(host) does not match that name: it was issued for another host. Check the endpoint URL. \(interception)"
    default:
      return
        "The certificate of \(host) is not trusted: no certificate authority in \(trust) issued it. \(interception)"
    }
  }

  private func handshakeRefused(_ host: String) -> String {
    let via = proxy.map { " (through the proxy \($0.address))" } ?? ""
    return
      "The TLS handshake with \(host)\(via) failed: the server refused it or does not speak TLS on port \(target.port)."
  }

  static func day(_ seconds: Int64) -> String {
    let stamp = RFC3339.format(seconds)
    return stamp.prefix(10) + " " + stamp.dropFirst(11).prefix(5) + " UTC"
  }

  /// Why a connection could not be made, in a few words.
  static func connectReason(_ code: Int32) -> (text: String, timedOut: Bool, unresolved: Bool) {
    switch code {
    case ECONNREFUSED: return ("connection refused", false, false)
    case ENETUNREACH, EHOSTUNREACH: return ("no route to the host", false, false)
    case ETIMEDOUT: return ("connect timed out", true, false)
    default: return (String(cString: strerror(code)).lowercased(), false, false)
    }
  }

  struct Connect: Error { var failure: Connection.ConnectFailure }
  struct ProxyRefusal: Error {
    var status: Int
    var reason: String
  }
}
