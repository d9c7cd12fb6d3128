import AWSMFAKit

/// An HTTP answer: status, headers that matter, body.
package struct HTTPAnswer: Sendable {
  package var status: Int
  package var headers: [(String, String)]
  package var body: [UInt8]

  package init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// The first header named `name` (case-insensitive).
  package func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }
}

/// Why a request got no HTTP answer at all, in one sentence a person can act on.
package struct TransportError: Error, Sendable, CustomStringConvertible {
  package enum Kind: Sendable, Equatable {
    /// The host (or the proxy) could not be reached: refused, unresolvable, closed.
    case unreachable
    /// Nothing (or not all) came back within the time limit.
    case timedOut
    /// The TLS handshake failed: an untrusted, expired or misnamed certificate, or a refusal.
    case tls
    /// The proxy answered, but refused to carry the request (407, 403, 502…).
    case proxy
    /// A proxy variable or CA bundle that cannot be used: a configuration error.
    case configuration
  }

  package var url: String
  package var kind: Kind
  package var description: String
  /// Whether trying again soon may help: never for certificates, names or proxy credentials.
  package var isRetryable: Bool

  package init(url: String, kind: Kind, description: String, isRetryable: Bool? = nil) {
    self.url = url
    self.kind = kind
    self.description = description
    self.isRetryable =
      isRetryable ?? (kind == .unreachable || kind == .timedOut)
  }
}

/// The one network peer: send a request, get an answer (a fake in unit tests).
package protocol HTTPTransport: Sendable {
  /// Sends the request and waits at most `timeout` seconds for the whole answer.
  func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer
}
