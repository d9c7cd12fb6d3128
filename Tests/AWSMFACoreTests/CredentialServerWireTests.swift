import AWSMFAKit
import Testing

@testable import AWSMFACore

#if canImport(Glibc)
  import Glibc
#endif

/// The credential server's request loop over a socket pair, with a provider that answers at
/// once: what one connection gets for several requests.
@Suite struct CredentialServerWireTests {
  static let credentials = SessionCredentials(
    accessKeyId: "ASIAEXAMPLEEXAMPLE00", secretAccessKey: String(repeating: "s", count: 40),
    sessionToken: String(repeating: "t", count: 64), expiration: 2_000_000_000)

  /// Serves `payload` on one end of a socket pair; everything the server wrote until it closed,
  /// `answers` responses came, or 30 s passed (the provider runs on Swift's cooperative pool,
  /// which the other tests running in parallel may keep busy for seconds). The client side runs
  /// on a thread of its own, so this test never occupies the pool itself.
  func exchange(_ payload: String, answers: Int) async throws -> String {
    await Detached.value { Self.client(payload, answers: answers) } ?? ""
  }

  static func client(_ payload: String, answers: Int) -> String {
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return "" }
    _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
    let handler = RequestHandler(
      path: "/p", token: "secret", provide: { .success(Self.credentials) }, log: { _ in })
    let serverEnd = pair[0]
    Detached.run {
      handler.serve(Connection(fd: serverEnd, deadline: 0, cancellation: nil), peer: "127.0.0.1")
    }
    let bytes = Array(payload.utf8)
    _ = write(pair[1], bytes, bytes.count)
    var received: [UInt8] = []
    let end = Monotonic.now() + 30
    var buffer = [UInt8](repeating: 0, count: 65536)
    while Monotonic.now() < end {
      var fds = pollfd(fd: pair[1], events: Int16(POLLIN), revents: 0)
      guard poll(&fds, 1, 100) > 0 else { continue }
      let count = read(pair[1], &buffer, buffer.count)
      if count <= 0 { break }
      received += buffer[..<count]
      if statuses(String(decoding: received, as: UTF8.self)).count >= answers,
        received.suffix(1) == [UInt8(ascii: "}")]
      {
        break
      }
    }
    close(pair[1])
    return String(decoding: received, as: UTF8.self)
  }

  /// The status of each response, in order (a response's body runs straight into the next
  /// one's status line).
  static func statuses(_ text: String) -> [Int] {
    let marker = Array("HTTP/1.1 ".utf8)
    let bytes = Array(text.utf8)
    guard bytes.count >= marker.count + 3 else { return [] }
    return (0...(bytes.count - marker.count - 3)).compactMap { start in
      guard bytes[start..<(start + marker.count)].elementsEqual(marker) else { return nil }
      let code = bytes[(start + marker.count)..<(start + marker.count + 3)]
      return Int(String(decoding: code, as: UTF8.self))
    }
  }

  @Test func pipelinedRequestsAreAllAnswered() async throws {
    let request = "GET /p HTTP/1.1\r\nAuthorization: secret\r\n\r\n"
    let answer = try await exchange(request + request + request, answers: 3)
    #expect(Self.statuses(answer) == [200, 200, 200], "\(answer.prefix(300))")
  }

  @Test func aRequestThatSaysCloseIsTheLastOne() async throws {
    let request = "GET /p HTTP/1.1\r\nAuthorization: secret\r\n"
    let answer = try await exchange(
      request + "Connection: close\r\n\r\n" + request + "\r\n", answers: 2)
    #expect(Self.statuses(answer) == [200])
    #expect(answer.contains("Connection: close"))
  }

  @Test func aRefusedRequestKeepsTheConnectionForTheNext() async throws {
    let answer = try await exchange(
      "GET /p HTTP/1.1\r\nAuthorization: wrong\r\n\r\n"
        + "GET /p HTTP/1.1\r\nAuthorization: secret\r\n\r\n", answers: 2)
    #expect(Self.statuses(answer) == [403, 200])
  }

  @Test func anOversizedHeadIsRefused() async throws {
    let answer = try await exchange(
      "GET /p HTTP/1.1\r\nX: " + String(repeating: "a", count: 20000) + "\r\n\r\n", answers: 1)
    #expect(Self.statuses(answer) == [400])
  }
}
