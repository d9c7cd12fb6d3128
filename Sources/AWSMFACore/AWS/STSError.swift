import AWSMFAKit

/// Why STS gave no credentials; each description is one sentence naming the cause.
package enum STSError: Error, Sendable, CustomStringConvertible {
  /// STS answered with an error it will repeat (AccessDenied, ExpiredToken, ValidationError…).
  case refused(status: Int, code: String, message: String)
  /// STS (or a proxy) asked to slow down or failed on its side; retrying later may work.
  case unavailable(status: Int, code: String, message: String)
  /// The clock is off by more than AWS tolerates.
  case clockSkew(code: String, message: String, offsetSeconds: Int?)
  /// An answer awsmfa cannot read.
  case malformed(status: Int, detail: String)
  /// No answer at all.
  case transport(TransportError)

  package var description: String {
    switch self {
    case .refused(_, let code, let message), .unavailable(_, let code, let message):
      return message.isEmpty
        ? "STS refused the request: \(code)." : "\(code): \(Self.sentence(message))"
    case .clockSkew(let code, let message, let offset):
      let measured =
        offset.map {
          " This machine's clock is \(Self.span($0)) \($0 > 0 ? "ahead of" : "behind") AWS's."
        } ?? ""
      return "\(code): \(Self.sentence(message))\(measured)"
    case .malformed(let status, let detail):
      return "STS sent an answer awsmfa cannot read (HTTP \(status)): \(detail)."
    case .transport(let error):
      return error.description
    }
  }

  /// Whether trying the same request again soon may succeed.
  package var isRetryable: Bool {
    switch self {
    case .unavailable: return true
    case .transport(let error): return error.isRetryable
    default: return false
    }
  }

  static func sentence(_ text: String) -> String {
    let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    let trimmed = line.trimmingCharacters(in: " ")
    return trimmed.hasSuffix(".") ? trimmed : trimmed + "."
  }

  static func span(_ seconds: Int) -> String {
    let value = abs(seconds)
    return value >= 120 ? "\(value / 60) min" : "\(value) s"
  }
}
