import AWSMFAKit
import FoundationEssentials
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
  import Glibc
#endif

/// HTTP/1.1 over SwiftNIO, one connection per request: directly, or through a forward proxy
/// (a CONNECT tunnel for https, the absolute form for http), with TLS by BoringSSL against the
/// system's trust store or a CA bundle, and every failure worded for a person.
///
/// It replaces AsyncHTTPClient, which cannot say why a certificate was refused (an expired
/// certificate and an unknown issuer end in the same error) and cannot pick a proxy per host.
package final class NetworkTransport: HTTPTransport {
  let settings: NetworkSettings
  let connectTimeout: Double
  /// The TLS context, built on first use (reading a trust store costs a few milliseconds).
  private let context = NIOLockedValueBox<NIOSSLContext?>(nil)
  /// Answers larger than this are refused (an STS answer is a few KiB).
  static let maxBody = 1 << 20

  package init(settings: NetworkSettings, connectTimeout: Double = 5) {
    self.settings = settings
    self.connectTimeout = connectTimeout
  }

  package func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer {
    guard let target = HTTPTarget(url: url) else {
      throw TransportError(
        url: url, kind: .configuration, description: "\(Quote.human(url)) is not an http(s) URL.")
    }
    let proxy: ProxyServer?
    do {
      proxy = try settings.proxy(for: url)
    } catch {
      throw TransportError(url: url, kind: .configuration, description: error.description)
    }
    let tls = target.scheme == "https" ? try tlsContext(url: url) : nil
    let exchange = Exchange(
      target: target, proxy: proxy, tls: tls, caBundle: settings.caBundle?.path,
      request: Request(method: method, headers: headers, body: body),
      connectTimeout: connectTimeout)
    return try await exchange.run(timeout: timeout)
  }

  /// The shared TLS context: the CA bundle's certificates replace the system's trust store.
  func tlsContext(url: String) throws(TransportError) -> NIOSSLContext {
    if let built = context.withLockedValue({ $0 }) { return built }
    var configuration = TLSConfiguration.makeClientConfiguration()
    if let (path, source) = settings.caBundle {
      do {
        configuration.trustRoots = .certificates(try Self.loadBundle(path: path, source: source))
      } catch {
        throw TransportError(url: url, kind: .configuration, description: error.description)
      }
    }
    do {
      let built = try NIOSSLContext(configuration: configuration)
      context.withLockedValue { $0 = built }
      return built
    } catch {
      throw TransportError(
        url: url, kind: .configuration,
        description: "Cannot set up TLS: the system's trust store could not be read.")
    }
  }

  /// The certificates in a PEM bundle; a missing, unreadable or certificate-less file is a
  /// configuration error naming it.
  package static func loadBundle(path: String, source: String) throws(NetworkError)
    -> [NIOSSLCertificate]
  {
    let bytes: [UInt8]
    switch FileIO.readBytes(path: path) {
    case .success(let read): bytes = read
    case .failure(let error):
      throw .caBundle(path: path, source: source, reason: "cannot be read: \(error)")
    }
    let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes)
    guard let certificates, !certificates.isEmpty else {
      throw .caBundle(
        path: path, source: source, reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
      )
    }
    return certificates
  }
}

/// What is sent: method, headers, body.
struct Request: Sendable {
  var method: String
  var headers: [(String, String)]
  var body: [UInt8]
}

/// One request's connection, from connect to the last byte of the answer, confined to one
/// event loop; `finish` completes it exactly once, whichever of answer, failure or deadline
/// comes first, and closes the channel.
final class Exchange: @unchecked Sendable {
  // @unchecked: every mutable field is touched only on `loop`.
  let target: HTTPTarget
  let proxy: ProxyServer?
  let tls: NIOSSLContext?
  let caBundle: String?
  let request: Request
  let connectTimeout: Double
  let loop: any EventLoop
  let promise: EventLoopPromise<HTTPAnswer>
  private var channel: (any Channel)?
  private var finished = false
  /// Why BoringSSL refused the certificate, noted by the verification observer.
  let refusal = CertificateRefusal()

  init(
    target: HTTPTarget, proxy: ProxyServer?, tls: NIOSSLContext?, caBundle: String?,
    request: Request, connectTimeout: Double
  ) {
    self.target = target
    self.proxy = proxy
    self.tls = tls
    self.caBundle = caBundle
    self.request = request
    self.connectTimeout = connectTimeout
    loop = MultiThreadedEventLoopGroup.singleton.next()
    promise = loop.makePromise(of: HTTPAnswer.self)
  }

  func run(timeout: Double) async throws(TransportError) -> HTTPAnswer {
    loop.execute { self.connect(timeout: timeout) }
    do {
      return try await withTaskCancellationHandler {
        try await promise.futureResult.get()
      } onCancel: {
        loop.execute { self.finish(.failure(CancellationError())) }
      }
    } catch let error as TransportError {
      throw error
    } catch {
      throw describe(error)
    }
  }

  private func connect(timeout: Double) {
    loop.scheduleTask(in: .milliseconds(Int64(max(timeout, 0.1) * 1000))) {
      self.finish(.failure(Deadline()))
    }
    let host = proxy?.host ?? target.host
    let port = proxy?.port ?? target.port
    ClientBootstrap(group: loop)
      .connectTimeout(.milliseconds(Int64(connectTimeout * 1000)))
      .channelOption(.tcpOption(.tcp_nodelay), value: 1)
      .connect(host: host, port: port)
      .whenComplete { outcome in
        switch outcome {
        case .failure(let error):
          self.finish(.failure(Connect(error: error)))
        case .success(let channel):
          self.channel = channel
          if self.finished {
            channel.close(promise: nil)
            return
          }
          do {
            if self.proxy != nil, self.tls != nil {
              try self.openTunnel(channel)
            } else {
              try self.startHTTP(channel)
            }
          } catch {
            self.finish(.failure(error))
          }
        }
      }
  }

  /// CONNECT host:port through the proxy; TLS and HTTP start inside the tunnel once it answers 2xx.
  private func openTunnel(_ channel: any Channel) throws {
    var lines = "CONNECT \(target.authority) HTTP/1.1\r\nHost: \(target.authority)\r\n"
    if let authorization = proxyAuthorization {
      lines += "Proxy-Authorization: \(authorization)\r\n"
    }
    lines += "\r\n"
    let handler = TunnelHandler { status, reason in
      guard (200..<300).contains(status) else {
        self.finish(.failure(ProxyRefusal(status: status, reason: reason)))
        return
      }
      channel.pipeline.removeHandler(name: TunnelHandler.name).whenComplete { _ in
        do {
          try self.startHTTP(channel)
        } catch {
          self.finish(.failure(error))
        }
      }
    }
    try channel.pipeline.syncOperations.addHandler(handler, name: TunnelHandler.name)
    channel.writeAndFlush(ByteBuffer(string: lines)).whenFailure { self.finish(.failure($0)) }
  }

  private func startHTTP(_ channel: any Channel) throws {
    let pipeline = channel.pipeline.syncOperations
    if let tls {
      try pipeline.addHandler(
        try TLSObserver.handler(
          context: tls, serverHostname: target.isAddress ? nil : target.host, refusal: refusal))
    }
    try pipeline.addHTTPClientHandlers()
    try pipeline.addHandler(ResponseCollector(limit: NetworkTransport.maxBody) { self.finish($0) })
    let plainProxy = proxy != nil && tls == nil
    var head = HTTPRequestHead(
      version: .http1_1, method: HTTPMethod(rawValue: request.method),
      uri: plainProxy ? "http://\(target.netloc)\(target.path)" : target.path)
    head.headers.add(name: "Host", value: target.hostHeader)
    for (name, value) in request.headers { head.headers.add(name: name, value: value) }
    head.headers.add(name: "Content-Length", value: String(request.body.count))
    head.headers.add(name: "Connection", value: "close")
    if plainProxy, let authorization = proxyAuthorization {
      head.headers.add(name: "Proxy-Authorization", value: authorization)
    }
    channel.write(HTTPClientRequestPart.head(head), promise: nil)
    channel.write(
      HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: request.body))), promise: nil)
    channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure {
      self.finish(.failure($0))
    }
  }

  private var proxyAuthorization: String? {
    guard let proxy, let user = proxy.user, let password = proxy.password else { return nil }
    return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
  }

  /// Completes the exchange once; later outcomes (a close after the answer) are ignored.
  private func finish(_ outcome: Result<HTTPAnswer, any Error>) {
    guard !finished else { return }
    finished = true
    channel?.close(promise: nil)
    switch outcome {
    case .success(let answer):
      if proxy != nil, tls == nil, answer.status == 407 {
        promise.fail(ProxyRefusal(status: 407, reason: "Proxy Authentication Required"))
      } else {
        promise.succeed(answer)
      }
    case .failure(let error):
      promise.fail(error)
    }
  }

  /// The failure as one sentence: which host or proxy, what failed, what to do.
  func describe(_ error: any Error) -> TransportError {
    let url = "\(target.scheme)://\(target.hostHeader)"
    let viaProxy = proxy.map { " through the proxy \($0.display) (from \($0.variable))" } ?? ""
    if error is Deadline {
      return TransportError(
        url: url, kind: .timedOut,
        description: "No answer from \(url)\(viaProxy) within the time limit.")
    }
    if error is CancellationError {
      return TransportError(
        url: url, kind: .timedOut, description: "The request to \(url) was interrupted.",
        isRetryable: false)
    }
    if let refusal = error as? ProxyRefusal, let proxy {
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
    }
    if let connect = error as? Connect {
      let reason = Self.connectReason(connect.error)
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
    }
    if tls != nil, let failure = tlsFailure(error) {
      return TransportError(url: url, kind: .tls, description: failure, isRetryable: false)
    }
    if let decode = error as? HTTPParserError {
      return TransportError(
        url: url, kind: .unreachable,
        description: "\(url)\(viaProxy) sent something that is not HTTP (\(decode)).",
        isRetryable: false)
    }
    if error is TooLarge {
      return TransportError(
        url: url, kind: .unreachable,
        description: "\(url) sent an answer larger than \(NetworkTransport.maxBody) bytes.",
        isRetryable: false)
    }
    return TransportError(
      url: url, kind: .unreachable,
      description: "\(url)\(viaProxy) closed the connection before answering.")
  }

  /// A TLS failure in words, or nil when `error` is not one.
  private func tlsFailure(_ error: any Error) -> String? {
    let host = target.host
    let trust =
      caBundle.map { "the CA bundle \($0)" } ?? "the system's trust store"
    let interception =
      proxy == nil
      ? "If a firewall inspects TLS, set AWS_CA_BUNDLE to its CA certificate."
      : "If the proxy inspects TLS, set AWS_CA_BUNDLE to its CA certificate."
    if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
      return
        "The certificate presented by \(host) does not match that name: it was issued for another host. Check the endpoint URL. \(interception)"
    }
    guard let ssl = error as? NIOSSLError else {
      if case .some = error as? BoringSSLError { return handshakeRefused(host) }
      return nil
    }
    switch ssl {
    case .handshakeFailed:
      switch refusal.reason {
      case .expired(let date):
        return
          "The certificate of \(host) expired on \(Self.day(date)). Check this machine's clock; if it is right, the endpoint's certificate must be renewed."
      case .notYetValid(let date):
        return
          "The certificate of \(host) is not valid until \(Self.day(date)). Check this machine's clock."
      case .untrusted:
        return
          "The certificate of \(host) is not trusted: no certificate authority in \(trust) issued it. \(interception)"
      case nil:
        return handshakeRefused(host)
      }
    case .uncleanShutdown:
      return nil
    default:
      return handshakeRefused(host)
    }
  }

  private func handshakeRefused(_ host: String) -> String {
    let via = proxy.map { " (through the proxy \($0.address))" } ?? ""
    return
      "The TLS handshake with \(host)\(via) failed: the server refused it or does not speak TLS on port \(target.port)."
  }

  static func day(_ seconds: Int) -> String {
    let stamp = RFC3339.format(Int64(seconds))
    return stamp.prefix(10) + " " + stamp.dropFirst(11).prefix(5) + " UTC"
  }

  /// Why a connection could not be made, in a few words.
  static func connectReason(_ error: any Error) -> (text: String, timedOut: Bool, unresolved: Bool)
  {
    if let failure = error as? NIOConnectionError {
      if failure.dnsAError != nil || failure.dnsAAAAError != nil,
        failure.connectionErrors.isEmpty
      {
        return ("the name \(failure.host) does not resolve", false, true)
      }
      if let first = failure.connectionErrors.first {
        return connectReason(first.error)
      }
      return ("the name \(failure.host) does not resolve", false, true)
    }
    if let channelError = error as? ChannelError, case .connectTimeout = channelError {
      return ("connect timed out", true, false)
    }
    if let io = error as? IOError {
      switch io.errnoCode {
      case ECONNREFUSED: return ("connection refused", false, false)
      case ENETUNREACH, EHOSTUNREACH: return ("no route to the host", false, false)
      case ETIMEDOUT: return ("connect timed out", true, false)
      default: return (String(cString: strerror(io.errnoCode)).lowercased(), false, false)
      }
    }
    if error is SocketAddressError { return ("the host name does not resolve", false, true) }
    return ("the connection failed", false, false)
  }

  struct Deadline: Error {}
  struct TooLarge: Error {}
  struct Connect: Error { var error: any Error }
  struct ProxyRefusal: Error {
    var status: Int
    var reason: String
  }
}

/// Why BoringSSL refused a certificate, as the observer saw it.
final class CertificateRefusal: @unchecked Sendable {
  // @unchecked: written and read on the exchange's event loop only (the handshake runs there).
  enum Reason: Equatable {
    case expired(Int)
    case notYetValid(Int)
    case untrusted
  }
  var reason: Reason?
}

/// NIOSSL's per-certificate verification callback lets BoringSSL decide and only reports its
/// verdict; awsmfa uses it to learn *why* a certificate was refused. NIOSSL deprecates it in
/// favour of a callback that replaces BoringSSL's verification, which is not wanted here, so the
/// call sits behind a deprecated witness (the protocol keeps the warning out of a clean build).
protocol TLSHandlerFactory {
  func handler(context: NIOSSLContext, serverHostname: String?, refusal: CertificateRefusal)
    throws -> NIOSSLClientHandler
}

struct TLSObserver: TLSHandlerFactory {
  static func handler(
    context: NIOSSLContext, serverHostname: String?, refusal: CertificateRefusal
  ) throws -> NIOSSLClientHandler {
    let factory: any TLSHandlerFactory = TLSObserver()
    return try factory.handler(
      context: context, serverHostname: serverHostname, refusal: refusal)
  }

  @available(*, deprecated, message: "Wraps NIOSSL's observing verification callback.")
  func handler(context: NIOSSLContext, serverHostname: String?, refusal: CertificateRefusal)
    throws -> NIOSSLClientHandler
  {
    try NIOSSLClientHandler(context: context, serverHostname: serverHostname) {
      verdict, certificate in
      if verdict == .failed, refusal.reason == nil {
        let now = time(nil)
        if certificate.notValidAfter < now {
          refusal.reason = .expired(Int(certificate.notValidAfter))
        } else if certificate.notValidBefore > now {
          refusal.reason = .notYetValid(Int(certificate.notValidBefore))
        } else {
          refusal.reason = .untrusted
        }
      }
      return verdict
    }
  }
}

/// Reads the proxy's answer to CONNECT (a status line and headers) and reports its status.
final class TunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  static let name = "awsmfa-tunnel"
  private var received: [UInt8] = []
  private var done = false
  private let answered: (Int, String) -> Void

  init(answered: @escaping (Int, String) -> Void) {
    self.answered = answered
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !done else { return }
    var buffer = unwrapInboundIn(data)
    received += buffer.readBytes(length: buffer.readableBytes) ?? []
    guard received.count <= 16384 else {
      done = true
      answered(502, "an over-long answer to CONNECT")
      return
    }
    guard let end = Self.endOfHead(received) else { return }
    done = true
    let head = String(decoding: received[..<end], as: UTF8.self)
    let statusLine = head.split(separator: "\r\n").first ?? ""
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    let status = parts.count >= 2 ? Int(parts[1]) ?? 502 : 502
    let reason = parts.count == 3 ? String(parts[2].prefix(80)) : ""
    answered(status, reason)
  }

  func channelInactive(context: ChannelHandlerContext) {
    if !done {
      done = true
      answered(502, "the proxy closed the connection")
    }
    context.fireChannelInactive()
  }

  static func endOfHead(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13
      && bytes[index + 3] == 10
    {
      return index + 4
    }
    return nil
  }
}

/// Collects one response: head, body up to a limit, end.
final class ResponseCollector: ChannelInboundHandler {
  typealias InboundIn = HTTPClientResponsePart
  private let limit: Int
  private let finish: (Result<HTTPAnswer, any Error>) -> Void
  private var head: HTTPResponseHead?
  private var body: [UInt8] = []

  init(limit: Int, finish: @escaping (Result<HTTPAnswer, any Error>) -> Void) {
    self.limit = limit
    self.finish = finish
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let received):
      head = received
    case .body(var buffer):
      guard body.count + buffer.readableBytes <= limit else {
        finish(.failure(Exchange.TooLarge()))
        return
      }
      body += buffer.readBytes(length: buffer.readableBytes) ?? []
    case .end:
      guard let head else { return }
      finish(
        .success(
          HTTPAnswer(
            status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
            body: body)))
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    finish(.failure(error))
  }

  func channelInactive(context: ChannelHandlerContext) {
    finish(.failure(Exchange.Closed()))
    context.fireChannelInactive()
  }
}

extension Exchange {
  struct Closed: Error {}
}
