import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An HTTP answer: status, headers that matter, body.
public struct HTTPAnswer: Sendable {
  public var status: Int
  public var headers: [(String, String)]
  public var body: [UInt8]

  public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// The first header named `name` (case-insensitive).
  public func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}

/// Why a request got no HTTP answer at all.
public struct TransportError: Error, Sendable, CustomStringConvertible {
  public var url: String
  public var reason: String
  public var timedOut: Bool
  public var description: String {
    timedOut
      ? "No answer from \(url) within the time limit (\(reason))."
      : "Cannot reach \(url): \(reason)."
  }
}

/// The one network peer: POST a body, get an answer (a fake in unit tests).
public protocol HTTPTransport: Sendable {
  /// Sends the request and waits at most `timeout` seconds for the whole answer.
  func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer
}

/// HTTP over AsyncHTTPClient, with a connect timeout and a whole-request deadline.
public final class AsyncHTTPTransport: HTTPTransport {
  let client: HTTPClient
  /// Bodies larger than this are refused (an STS answer is a few KiB).
  static let maxBody = 1 << 20

  public init(connectTimeout: Double = 5) {
    var configuration = HTTPClient.Configuration(
      timeout: .init(connect: .milliseconds(Int64(connectTimeout * 1000))))
    configuration.redirectConfiguration = .disallow
    configuration.httpVersion = .http1Only
    // QueryClient retries with its own backoff inside its deadline; the pool's retrying would
    // turn a refused connection into a wait for the whole connect timeout, on every attempt.
    configuration.connectionPool.retryConnectionEstablishment = false
    client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  public func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer {
    let client = client
    do {
      // AsyncHTTPClient's deadline ends at the response head; a server that then stalls or drips
      // the body one byte at a time would hold the caller (and its refresh lock) forever. The
      // race below bounds the whole exchange, body included, and cancels the loser.
      return try await withThrowingTaskGroup(of: HTTPAnswer?.self) { group in
        group.addTask {
          var request = HTTPClientRequest(url: url)
          request.method = HTTPMethod(rawValue: method)
          for (name, value) in headers { request.headers.add(name: name, value: value) }
          request.body = .bytes(ByteBuffer(bytes: body))
          let response = try await client.execute(
            request, timeout: .milliseconds(Int64(timeout * 1000)))
          let buffer = try await response.body.collect(upTo: Self.maxBody)
          return HTTPAnswer(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer.readableBytesView))
        }
        group.addTask {
          try await Task.sleep(nanoseconds: UInt64(max(timeout, 0.1) * 1e9))
          return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let answer = first else {
          throw HTTPClientError.deadlineExceeded
        }
        return answer
      }
    } catch let error as HTTPClientError {
      let timedOut = [HTTPClientError.deadlineExceeded, .connectTimeout, .readTimeout].contains(
        error)
      throw TransportError(url: url, reason: Self.describe(error), timedOut: timedOut)
    } catch {
      throw TransportError(url: url, reason: Self.describe(error), timedOut: false)
    }
  }

  /// Stops the client's event loop use; call once before exit.
  public func shutdown() async {
    try? await client.shutdown()
  }

  /// `shutdown`, from synchronous code (a command's exit path).
  public func shutdownAndWait() {
    let done = DispatchSemaphore(value: 0)
    Task {
      await shutdown()
      done.signal()
    }
    done.wait()
  }

  static func describe(_ error: any Error) -> String {
    let text = String(describing: error)
    if text.contains("connectionRefused") || text.contains("Connection refused") {
      return "connection refused"
    }
    if text.contains("remoteConnectionClosed") { return "the server closed the connection" }
    if text.contains("deadlineExceeded") { return "deadline exceeded" }
    if text.contains("connectTimeout") { return "connect timed out" }
    return text.split(separator: "\n").first.map(String.init) ?? text
  }
}
