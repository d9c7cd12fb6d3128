import AWSMFAKit
import NIOCore
import NIOHTTP1
import NIOPosix

/// A credential endpoint on loopback in the container-credentials format every AWS SDK reads
/// (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), so a process
/// that runs for hours keeps getting fresh role credentials instead of the ones it started with.
///
/// Each GET answers from `provide` (the keyring in front of STS); requests without the token,
/// with a wrong one, for another path or from a peer that is not this machine are refused, and
/// nothing secret is ever logged.
package final class CredentialServer: Sendable {
  /// What a request is answered with: credentials, or a failure to report to the SDK.
  package typealias Provider = @Sendable () async -> Result<SessionCredentials, ServeFailure>

  package let port: Int
  /// The bearer token a request must carry in `Authorization`.
  package let token: String
  package let path: String
  private let channel: any Channel

  /// The URL for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
  package var url: String { "http://127.0.0.1:\(port)\(path)" }

  /// Binds 127.0.0.1 on a free port and starts answering.
  package static func start(provide: @escaping Provider, log: @escaping @Sendable (String) -> Void)
    async throws -> CredentialServer
  {
    let token = randomHex(bytes: 32)
    let path = "/awsmfa/credentials/" + randomHex(bytes: 8)
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { child in
        child.eventLoop.makeCompletedFuture {
          try child.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: true)
          try child.pipeline.syncOperations.addHandler(
            RequestHandler(path: path, token: token, provide: provide, log: log))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    guard let port = channel.localAddress?.port else {
      throw CancellationError()
    }
    return CredentialServer(port: port, token: token, path: path, channel: channel)
  }

  private init(port: Int, token: String, path: String, channel: any Channel) {
    self.port = port
    self.token = token
    self.path = path
    self.channel = channel
  }

  /// Stops listening; requests in flight finish.
  package func stop() async {
    try? await channel.close()
  }

  static func randomHex(bytes count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return SigV4Signer.hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
  }

  /// The container-credentials answer.
  static func body(_ credentials: SessionCredentials) -> String {
    "{\"AccessKeyId\":\(JSONText.quote(credentials.accessKeyId)),"
      + "\"SecretAccessKey\":\(JSONText.quote(credentials.secretAccessKey)),"
      + "\"Token\":\(JSONText.quote(credentials.sessionToken)),"
      + "\"Expiration\":\(JSONText.quote(RFC3339.format(credentials.expiration)))}"
  }

  /// Whether `address` is this machine: 127.0.0.0/8 or ::1 (and its IPv4-mapped form).
  static func isLoopback(_ address: SocketAddress?) -> Bool {
    guard let ip = address?.ipAddress else { return false }
    return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
  }
}

/// Why no credentials could be served: the status and a message the SDK shows.
package struct ServeFailure: Error, Sendable {
  package var status: Int
  package var code: String
  package var message: String

  package init(status: Int, code: String, message: String) {
    self.status = status
    self.code = code
    self.message = message
  }
}

/// One connection's requests: checks, then the provider's answer.
final class RequestHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let path: String
  let token: [UInt8]
  let provide: CredentialServer.Provider
  let log: @Sendable (String) -> Void
  private var head: HTTPRequestHead?

  init(
    path: String, token: String, provide: @escaping CredentialServer.Provider,
    log: @escaping @Sendable (String) -> Void
  ) {
    self.path = path
    self.token = Array(token.utf8)
    self.provide = provide
    self.log = log
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let received): head = received
    case .body: break
    case .end:
      guard let head else { return }
      self.head = nil
      answer(head, context: context)
    }
  }

  private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
    let refusal = check(head, peer: context.channel.remoteAddress)
    if let refusal {
      log("refused a request for \(Visible.text(String(head.uri.prefix(80)))): \(refusal.message)")
      respond(refusal.status, Self.error(refusal), head: head, context: context)
      return
    }
    let provide = provide
    let promise = context.eventLoop.makePromise(of: Result<SessionCredentials, ServeFailure>.self)
    promise.completeWithTask { await provide() }
    promise.futureResult.assumeIsolated().whenSuccess { outcome in
      switch outcome {
      case .success(let credentials):
        self.respond(200, CredentialServer.body(credentials), head: head, context: context)
      case .failure(let failure):
        self.respond(failure.status, Self.error(failure), head: head, context: context)
      }
    }
  }

  /// The reason to refuse, or nil: peer first, then path and method, then the token.
  func check(_ head: HTTPRequestHead, peer: SocketAddress?) -> ServeFailure? {
    guard CredentialServer.isLoopback(peer) else {
      return ServeFailure(status: 403, code: "Forbidden", message: "the peer is not this machine")
    }
    let requested = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
    guard requested == path else {
      return ServeFailure(status: 404, code: "NotFound", message: "no such path")
    }
    guard head.method == .GET else {
      return ServeFailure(status: 405, code: "MethodNotAllowed", message: "only GET is served")
    }
    guard let given = head.headers.first(name: "Authorization") else {
      return ServeFailure(
        status: 401, code: "Unauthorized", message: "the Authorization token is missing")
    }
    guard Digest.equal(Array(given.utf8), token) else {
      return ServeFailure(
        status: 403, code: "Forbidden", message: "the Authorization token is wrong")
    }
    return nil
  }

  static func error(_ failure: ServeFailure) -> String {
    "{\"code\":\(JSONText.quote(failure.code)),\"message\":\(JSONText.quote(failure.message))}"
  }

  private func respond(
    _ status: Int, _ body: String, head: HTTPRequestHead, context: ChannelHandlerContext
  ) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json")
    headers.add(name: "Content-Length", value: String(body.utf8.count))
    headers.add(name: "Cache-Control", value: "no-store")
    let keepAlive = head.isKeepAlive
    headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
    let response = HTTPResponseHead(
      version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
    context.write(wrapOutboundOut(.head(response)), promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
    let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive {
      let channel = context.channel
      done.whenComplete { _ in channel.close(promise: nil) }
    }
  }
}
