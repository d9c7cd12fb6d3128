import AWSMFAKit
import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

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
  /// Wakes the accepting thread to stop it.
  private let stopping: Cancellation

  /// The URL for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
  package var url: String { "http://127.0.0.1:\(port)\(path)" }

  /// Connections served at once; more wait in the kernel's backlog.
  static let maxConnections = 32
  /// How long a connection may take to send a request (and sit idle between requests).
  static let requestTimeout = 30.0

  /// Binds 127.0.0.1 on a free port and starts answering, one thread per connection.
  package static func start(provide: @escaping Provider, log: @escaping @Sendable (String) -> Void)
    async throws -> CredentialServer
  {
    let token = randomHex(bytes: 32)
    let path = "/awsmfa/credentials/" + randomHex(bytes: 8)
    guard let stopping = Cancellation() else { throw SystemError.current() }
    let listener = try Self.listen()
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    let port = Int(UInt16(bigEndian: address.sin_port))
    let handler = RequestHandler(path: path, token: token, provide: provide, log: log)
    guard Detached.run({ Self.accept(listener: listener, stopping: stopping, handler: handler) })
    else {
      close(listener)
      throw SystemError(code: EAGAIN, message: "no thread could be started")
    }
    return CredentialServer(port: port, token: token, path: path, stopping: stopping)
  }

  /// A listening socket on 127.0.0.1 and a port the kernel picks.
  private static func listen() throws(SystemError) -> Int32 {
    let listener = try Syscall.retrying {
      socket(
        AF_INET,
        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
          | Int32(SOCK_CLOEXEC.rawValue), 0)
    }
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    address.sin_port = 0
    do {
      try Syscall.retrying {
        withUnsafePointer(to: &address) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
          }
        }
      }
      try Syscall.retrying { Glibc.listen(listener, 64) }
    } catch {
      close(listener)
      throw error
    }
    return listener
  }

  /// Accepts connections until `stopping` wakes it, each served on a thread of its own.
  private static func accept(listener: Int32, stopping: Cancellation, handler: RequestHandler) {
    defer { close(listener) }
    let active = Atomic<Int>(0)
    while true {
      var fds = [
        pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
        pollfd(fd: stopping.fd, events: Int16(POLLIN), revents: 0),
      ]
      guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
      if fds[1].revents != 0 { return }
      guard fds[0].revents != 0 else { continue }
      var peer = sockaddr_in()
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let fd = withUnsafeMutablePointer(to: &peer) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Glibc.accept(listener, $0, &length)
        }
      }
      guard fd >= 0 else {
        // Out of descriptors (EMFILE) and the like: pause rather than spin on a ready listener.
        if errno != EAGAIN && errno != EINTR && errno != ECONNABORTED { usleep(50_000) }
        continue
      }
      // Glibc's module has no accept4: the flags are set right after.
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      guard active.add(1, ordering: .relaxed).newValue <= maxConnections else {
        active.subtract(1, ordering: .relaxed)
        close(fd)
        continue
      }
      let address = Self.text(peer)
      let started = Detached.run {
        handler.serve(Connection(fd: fd, deadline: 0, cancellation: nil), peer: address)
        active.subtract(1, ordering: .relaxed)
      }
      if !started {
        active.subtract(1, ordering: .relaxed)
        close(fd)
      }
    }
  }

  /// An IPv4 peer address as text.
  static func text(_ address: sockaddr_in) -> String {
    var raw = address.sin_addr
    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    guard inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private init(port: Int, token: String, path: String, stopping: Cancellation) {
    self.port = port
    self.token = token
    self.path = path
    self.stopping = stopping
  }

  /// Stops listening; requests in flight finish.
  package func stop() async {
    stopping.cancel()
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

  /// Whether `ip` is this machine: 127.0.0.0/8 or ::1 (and its IPv4-mapped form).
  static func isLoopback(_ ip: String) -> Bool {
    ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
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

/// One connection's requests, in order: checks, then the provider's answer.
final class RequestHandler: Sendable {
  let path: String
  let token: [UInt8]
  let provide: CredentialServer.Provider
  let log: @Sendable (String) -> Void

  init(
    path: String, token: String, provide: @escaping CredentialServer.Provider,
    log: @escaping @Sendable (String) -> Void
  ) {
    self.path = path
    self.token = Array(token.utf8)
    self.provide = provide
    self.log = log
  }

  /// A request line, parsed.
  struct RequestLine {
    var method: String
    var target: String
    var version: String
  }

  /// Serves requests on `connection` until the client closes, asks to close, stalls or sends
  /// something that is not HTTP.
  func serve(_ connection: Connection, peer: String) {
    let reader = HTTPReader(connection)
    while true {
      connection.deadline = Monotonic.now() + CredentialServer.requestTimeout
      let head: HTTPHead
      let line: RequestLine
      do {
        head = try reader.readHead(limit: 16384, expectResponse: false)
        line = try Self.requestLine(head)
        _ = try reader.readBody(head.framing(isRequest: true), limit: 65536)
      } catch {
        // Something that is not HTTP/1.1 gets one 400; a client that left, stalled or sent too
        // much just loses the connection.
        var malformed = error is HTTPHead.Malformed
        if case .malformed = error as? HTTPReader.Failure { malformed = true }
        if malformed {
          let refusal = ServeFailure(
            status: 400, code: "BadRequest", message: "the request is not HTTP/1.1")
          respond(connection, refusal.status, Self.error(refusal), keepAlive: false)
        }
        return
      }
      let connectionHeader = head.header("connection")?.lowercased() ?? ""
      let keepAlive =
        line.version == "HTTP/1.1" ? connectionHeader != "close" : connectionHeader == "keep-alive"
      if let refusal = check(line, head: head, peer: peer) {
        log(
          "refused a request for \(Visible.text(String(line.target.prefix(80)))): \(refusal.message)"
        )
        guard respond(connection, refusal.status, Self.error(refusal), keepAlive: keepAlive),
          keepAlive
        else { return }
        continue
      }
      let outcome = Self.wait(for: provide)
      let sent: Bool
      switch outcome {
      case .success(let credentials):
        sent = respond(connection, 200, CredentialServer.body(credentials), keepAlive: keepAlive)
      case .failure(let failure):
        sent = respond(connection, failure.status, Self.error(failure), keepAlive: keepAlive)
      }
      guard sent, keepAlive else { return }
    }
  }

  /// `METHOD target HTTP/1.x`.
  static func requestLine(_ head: HTTPHead) throws -> RequestLine {
    let parts = head.startLine.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[0].utf8.allSatisfy(HTTPHead.isTokenByte),
      !parts[1].isEmpty, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0"
    else {
      throw HTTPHead.Malformed(reason: "a malformed request line")
    }
    return RequestLine(
      method: String(parts[0]), target: String(parts[1]), version: String(parts[2]))
  }

  /// The provider's answer, waited for on this (non-cooperative) thread.
  static func wait(for provide: @escaping CredentialServer.Provider) -> Result<
    SessionCredentials, ServeFailure
  > {
    let answer = Mutex<Result<SessionCredentials, ServeFailure>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
      let outcome = await provide()
      answer.withLock { $0 = outcome }
      done.signal()
    }
    done.wait()
    return answer.withLock { $0 }
      ?? .failure(ServeFailure(status: 500, code: "InternalError", message: "no answer"))
  }

  /// The reason to refuse, or nil: peer first, then path and method, then the token.
  func check(_ line: RequestLine, head: HTTPHead, peer: String) -> ServeFailure? {
    guard CredentialServer.isLoopback(peer) else {
      return ServeFailure(status: 403, code: "Forbidden", message: "the peer is not this machine")
    }
    let requested = line.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
    guard requested == path else {
      return ServeFailure(status: 404, code: "NotFound", message: "no such path")
    }
    guard line.method == "GET" else {
      return ServeFailure(status: 405, code: "MethodNotAllowed", message: "only GET is served")
    }
    guard let given = head.header("authorization") else {
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

  static func reason(_ status: Int) -> String {
    switch status {
    case 200: return "OK"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 503: return "Service Unavailable"
    default: return "Internal Server Error"
    }
  }

  /// Sends one JSON response; whether it was sent whole.
  @discardableResult
  private func respond(_ connection: Connection, _ status: Int, _ body: String, keepAlive: Bool)
    -> Bool
  {
    connection.deadline = Monotonic.now() + CredentialServer.requestTimeout
    let head =
      "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: application/json\r\n"
      + "Content-Length: \(body.utf8.count)\r\nCache-Control: no-store\r\n"
      + "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
    do {
      try connection.write(Array(head.utf8) + Array(body.utf8))
      return true
    } catch {
      return false
    }
  }
}
