import AWSMFAKit
import COpenSSL
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// One TCP connection on a non-blocking socket, optionally wrapped in TLS by the system's
/// OpenSSL, where every wait is a `poll` bounded by a deadline and woken by a cancellation
/// descriptor: no call can outlive the request it serves.
final class Connection: ByteSource {
  enum Failure: Error {
    /// The deadline passed while waiting.
    case deadline
    /// `Cancellation.cancel` was called.
    case cancelled
    /// The peer closed or reset the connection in the middle of something.
    case closed
  }

  let fd: Int32
  private var ssl: OpaquePointer?
  /// When waits give up (monotonic seconds); the server moves it on for each request.
  var deadline: Double
  let cancellation: Cancellation?

  init(fd: Int32, deadline: Double, cancellation: Cancellation?) {
    self.fd = fd
    self.deadline = deadline
    self.cancellation = cancellation
  }

  deinit {
    if let ssl { SSL_free(ssl) }
    close(fd)
  }

  // MARK: connecting

  /// Why no connection could be made.
  enum ConnectFailure: Error {
    case unresolved(host: String)
    /// The resolver gave no answer before the deadline.
    case resolverSilent(host: String)
    case errno(Int32)
    case connectTimeout
    case deadline
    case cancelled
  }

  /// Connects to the first address of `host` that accepts within `connectTimeout` seconds each.
  static func open(
    host: String, port: Int, connectTimeout: Double, deadline: Double, cancellation: Cancellation?
  ) throws(ConnectFailure) -> Connection {
    let addresses = try Resolver.resolve(
      host: host, port: port, deadline: deadline, cancellation: cancellation)
    var firstFailure: ConnectFailure?
    for address in addresses {
      do {
        return try attempt(
          address, connectTimeout: connectTimeout, deadline: deadline, cancellation: cancellation)
      } catch {
        if case .deadline = error { throw error }
        if case .cancelled = error { throw error }
        if firstFailure == nil { firstFailure = error }
      }
    }
    throw firstFailure ?? .unresolved(host: host)
  }

  private static func attempt(
    _ address: Resolver.Address, connectTimeout: Double, deadline: Double,
    cancellation: Cancellation?
  ) throws(ConnectFailure) -> Connection {
    let fd = socket(
      address.family,
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw .errno(errno) }
    let connection = Connection(fd: fd, deadline: deadline, cancellation: cancellation)
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    let connected = address.bytes.withUnsafeBytes { raw in
      connect(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
    }
    if connected == 0 { return connection }
    guard errno == EINPROGRESS || errno == EINTR else { throw .errno(errno) }
    let limit = min(deadline, Monotonic.now() + connectTimeout)
    do {
      try connection.wait(for: Int16(POLLOUT), until: limit)
    } catch {
      switch error {
      case .cancelled: throw .cancelled
      case .deadline: throw limit < deadline ? .connectTimeout : .deadline
      case .closed: break
      }
    }
    var failure: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
    guard failure == 0 else { throw .errno(failure) }
    return connection
  }

  // MARK: TLS

  /// Why the TLS handshake failed.
  enum HandshakeFailure: Error {
    /// OpenSSL refused the certificate: the X509_V_ERR code and the certificate's dates.
    case certificate(awsmfa_tls_refusal)
    /// The server refused the handshake, closed, or does not speak TLS.
    case refused
    case deadline
    case cancelled
  }

  /// Runs the TLS handshake against `host` (its name is sent and checked, or its address is
  /// checked); from now on reads and writes are encrypted.
  func startTLS(context: OpaquePointer, host: String, isAddress: Bool) throws(HandshakeFailure) {
    guard let ssl = SSL_new(context) else { throw .refused }
    self.ssl = ssl
    let refusal = UnsafeMutablePointer<awsmfa_tls_refusal>.allocate(capacity: 1)
    refusal.initialize(to: awsmfa_tls_refusal())
    defer {
      SSL_set_ex_data(ssl, 0, nil)
      refusal.deallocate()
    }
    SSL_set_ex_data(ssl, 0, refusal)
    SSL_set_fd(ssl, fd)
    if isAddress {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
    } else {
      awsmfa_tls_set_server_name(ssl, host)
      SSL_set1_host(ssl, host)
    }
    while true {
      ERR_clear_error()
      let result = SSL_connect(ssl)
      if result == 1 { return }
      let reason = SSL_get_error(ssl, result)
      do {
        switch reason {
        case SSL_ERROR_WANT_READ: try wait(for: Int16(POLLIN), until: deadline)
        case SSL_ERROR_WANT_WRITE: try wait(for: Int16(POLLOUT), until: deadline)
        default:
          ERR_clear_error()
          if refusal.pointee.error != 0 { throw HandshakeFailure.certificate(refusal.pointee) }
          throw HandshakeFailure.refused
        }
      } catch let failure as HandshakeFailure {
        throw failure
      } catch let failure as Failure {
        if case .cancelled = failure { throw .cancelled }
        if case .deadline = failure { throw .deadline }
        throw .refused
      } catch {
        throw .refused
      }
    }
  }

  // MARK: reading and writing

  /// Sends all of `bytes`.
  func write(_ bytes: [UInt8]) throws(Failure) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { buffer -> Int in
        guard let base = buffer.baseAddress else { return 0 }
        let start = base + offset
        let count = bytes.count - offset
        if let ssl {
          ERR_clear_error()
          return Int(SSL_write(ssl, start, Int32(min(count, Int(Int32.max)))))
        }
        return send(fd, start, count, Int32(MSG_NOSIGNAL))
      }
      if sent > 0 {
        offset += sent
        continue
      }
      try waitAfterShortIO(result: sent, wanted: Int16(POLLOUT))
    }
  }

  /// Up to `max` bytes; empty at a clean end of the stream.
  func read(max: Int) throws(Failure) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: max)
    while true {
      let got = buffer.withUnsafeMutableBytes { raw -> Int in
        if let ssl {
          ERR_clear_error()
          return Int(SSL_read(ssl, raw.baseAddress, Int32(max)))
        }
        return recv(fd, raw.baseAddress, max, 0)
      }
      if got > 0 { return Array(buffer[..<got]) }
      if got == 0 && ssl == nil { return [] }
      if let ssl, SSL_get_error(ssl, Int32(got)) == SSL_ERROR_ZERO_RETURN { return [] }
      try waitAfterShortIO(result: got, wanted: Int16(POLLIN))
    }
  }

  /// After a read or write that moved nothing: waits when the socket (or TLS) asks to, else
  /// the connection is gone.
  private func waitAfterShortIO(result: Int, wanted: Int16) throws(Failure) {
    if let ssl {
      switch SSL_get_error(ssl, Int32(result)) {
      case SSL_ERROR_WANT_READ: try wait(for: Int16(POLLIN), until: deadline)
      case SSL_ERROR_WANT_WRITE: try wait(for: Int16(POLLOUT), until: deadline)
      default:
        ERR_clear_error()
        throw .closed
      }
      return
    }
    switch errno {
    case EAGAIN, EWOULDBLOCK: try wait(for: wanted, until: deadline)
    case EINTR: return
    default: throw .closed
    }
  }

  /// Waits until the socket is ready for `events`, the deadline passes or the request is
  /// cancelled. A hang-up counts as ready (the next call reports it).
  func wait(for events: Int16, until limit: Double) throws(Failure) {
    try Self.wait(fd: fd, events: events, until: limit, cancellation: cancellation)
  }

  /// Waits until `fd` is ready for `events`, `limit` (monotonic seconds) passes or
  /// `cancellation` fires: the one wait every step of a request makes.
  static func wait(fd: Int32, events: Int16, until limit: Double, cancellation: Cancellation?)
    throws(Failure)
  {
    while true {
      let left = limit - Monotonic.now()
      guard left > 0 else { throw .deadline }
      var fds = [pollfd(fd: fd, events: events, revents: 0)]
      if let cancellation {
        fds.append(pollfd(fd: cancellation.fd, events: Int16(POLLIN), revents: 0))
      }
      let ready = poll(&fds, nfds_t(fds.count), Int32(min(left * 1000 + 1, 60_000)))
      if ready < 0 {
        if errno == EINTR { continue }
        throw .closed
      }
      if fds.count > 1, fds[1].revents != 0 { throw .cancelled }
      if fds[0].revents != 0 { return }
    }
  }
}

/// Something bytes are read from: a connection, or a buffer in tests.
protocol ByteSource {
  /// Up to `max` bytes; empty at the end.
  func read(max: Int) throws(Connection.Failure) -> [UInt8]
}

/// A way to stop a request from another thread: a pipe whose read end every wait also polls.
final class Cancellation: Sendable {
  /// The end to poll: readable once cancelled.
  let fd: Int32
  private let writeEnd: Int32

  init?() {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends {
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
    fd = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(fd)
    close(writeEnd)
  }

  func cancel() {
    var one: UInt8 = 1
    _ = Glibc.write(writeEnd, &one, 1)
  }
}

/// Runs a closure on a thread of its own (not Swift's cooperative pool, which must never block),
/// with SIGPIPE blocked there: a peer that closes mid-write must not end the process.
enum Detached {
  private final class Work {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Whether the thread started.
  @discardableResult
  static func run(_ body: @escaping @Sendable () -> Void) -> Bool {
    let work = Unmanaged.passRetained(Work(body)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(
      &thread, nil,
      { raw in
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        if let raw { Unmanaged<Work>.fromOpaque(raw).takeRetainedValue().body() }
        return nil
      }, work)
    guard started == 0 else {
      Unmanaged<Work>.fromOpaque(work).release()
      return false
    }
    pthread_detach(thread)
    return true
  }

  /// `body`'s value, computed on a thread of its own while the calling task waits suspended (a
  /// blocking call must not hold one of Swift's few cooperative threads); nil when no thread
  /// could be started, for the caller to decide.
  static func value<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
      if !run({ continuation.resume(returning: body()) }) { continuation.resume(returning: nil) }
    }
  }
}

/// Name resolution that gives up at the request's deadline: getaddrinfo cannot be interrupted
/// (a resolver that never answers holds it for timeout × attempts, 10 s and more), so it runs on
/// a thread of its own, and a request past its deadline stops waiting for it; the thread's late
/// answer is dropped.
enum Resolver {
  /// One address getaddrinfo gave, copied out of its list.
  struct Address: Sendable {
    var family: Int32
    var bytes: [UInt8]
  }

  /// Where a resolution's answer lands, and the pipe that says it has.
  private final class Pending: Sendable {
    let done: Cancellation
    let answer = Mutex<Result<[Address], Connection.ConnectFailure>?>(nil)

    init?() {
      guard let done = Cancellation() else { return nil }
      self.done = done
    }
  }

  static func resolve(host: String, port: Int, deadline: Double, cancellation: Cancellation?)
    throws(Connection.ConnectFailure) -> [Address]
  {
    // An address needs no resolver, so no thread either.
    if HTTPTarget.isAddress(host) { return try lookUp(host: host, port: port).get() }
    guard let pending = Pending() else { return try lookUp(host: host, port: port).get() }
    let started = Detached.run {
      let answer = lookUp(host: host, port: port)
      pending.answer.withLock { $0 = answer }
      pending.done.cancel()
    }
    if !started { return try lookUp(host: host, port: port).get() }
    do {
      try Connection.wait(
        fd: pending.done.fd, events: Int16(POLLIN), until: deadline, cancellation: cancellation)
    } catch {
      switch error {
      case .deadline: throw .resolverSilent(host: host)
      case .cancelled: throw .cancelled
      case .closed: throw .errno(errno)
      }
    }
    // `done` is readable only once the answer is in.
    return try pending.answer.withLock { $0 }?.get() ?? []
  }

  /// getaddrinfo itself (blocking), its list copied.
  static func lookUp(host: String, port: Int) -> Result<[Address], Connection.ConnectFailure> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV
    var found: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
      return .failure(.unresolved(host: host))
    }
    defer { freeaddrinfo(first) }
    var addresses: [Address] = []
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let entry = next {
      next = entry.pointee.ai_next
      guard let raw = entry.pointee.ai_addr else { continue }
      let bytes = UnsafeRawBufferPointer(start: raw, count: Int(entry.pointee.ai_addrlen))
      addresses.append(Address(family: entry.pointee.ai_family, bytes: Array(bytes)))
    }
    return addresses.isEmpty ? .failure(.unresolved(host: host)) : .success(addresses)
  }
}
