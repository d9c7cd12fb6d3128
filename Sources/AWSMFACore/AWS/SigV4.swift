import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// Credentials that sign a request: long-term keys, or temporary ones with a session token.
package typealias SigningCredentials = StaticKeys

/// An HTTP request as SigV4 sees it.
package struct SignableRequest: Sendable, Equatable {
  package var method: String
  /// `host` or `host:port` as sent in the Host header.
  package var host: String
  /// The path, already as it goes on the wire (`/` for STS).
  package var path: String
  /// Query parameters, unencoded.
  package var query: [(String, String)]
  /// Headers to sign besides `host` and `x-amz-date`.
  package var headers: [(String, String)]
  package var body: [UInt8]

  package init(
    method: String, host: String, path: String = "/", query: [(String, String)] = [],
    headers: [(String, String)] = [], body: [UInt8] = []
  ) {
    self.method = method
    self.host = host
    self.path = path
    self.query = query
    self.headers = headers
    self.body = body
  }

  package static func == (lhs: SignableRequest, rhs: SignableRequest) -> Bool {
    lhs.method == rhs.method && lhs.host == rhs.host && lhs.path == rhs.path
      && lhs.query.map { [$0.0, $0.1] } == rhs.query.map { [$0.0, $0.1] }
      && lhs.headers.map { [$0.0, $0.1] } == rhs.headers.map { [$0.0, $0.1] }
      && lhs.body == rhs.body
  }
}

/// AWS Signature Version 4 over libcrypto's SHA-256 and HMAC (`Digest`).
package struct SigV4Signer: Sendable {
  package var credentials: SigningCredentials
  package var region: String
  package var service: String

  package init(credentials: SigningCredentials, region: String, service: String) {
    self.credentials = credentials
    self.region = region
    self.service = service
  }

  /// The headers to add to `request` (`X-Amz-Date`, `X-Amz-Security-Token`, `Authorization`).
  package func sign(_ request: SignableRequest, date: Date) -> [(String, String)] {
    let amzDate = Self.amzDate(date)
    let day = String(amzDate.prefix(8))
    var added: [(String, String)] = [("X-Amz-Date", amzDate)]
    if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let (canonical, signedHeaders) = canonicalRequest(request, extra: added)
    let stringToSign =
      "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(Digest.sha256(Array(canonical.utf8))))"
    var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
    for part in [day, region, service, "aws4_request"] {
      key = Digest.hmac(.sha256, key: key, message: Array(part.utf8))
    }
    let signature = Self.hex(Digest.hmac(.sha256, key: key, message: Array(stringToSign.utf8)))
    added.append(
      (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
      ))
    return added
  }

  /// The canonical request text and the signed-headers list (exposed for tests).
  package func canonicalRequest(_ request: SignableRequest, extra: [(String, String)]) -> (
    String, String
  ) {
    var headers: [String: String] = ["host": request.host]
    for (name, value) in request.headers + extra {
      let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
      let key = name.lowercased()
      headers[key] = headers[key].map { $0 + "," + trimmed } ?? trimmed
    }
    let names = headers.keys.sorted()
    let signedHeaders = names.joined(separator: ";")
    let canonicalHeaders = names.map { "\($0):\(headers[$0] ?? "")\n" }.joined()
    let encodedQuery: [(String, String)] = request.query.map {
      (Self.uriEncode($0.0), Self.uriEncode($0.1))
    }
    let sortedQuery = encodedQuery.sorted { (a: (String, String), b: (String, String)) -> Bool in
      a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
    }
    let query = sortedQuery.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    // The path is already in its wire (percent-encoded) form; encoding it once more is the
    // "double encoding" SigV4 asks of every service but S3.
    let segments: [String] = request.path.split(separator: "/", omittingEmptySubsequences: false)
      .map { Self.uriEncode(String($0)) }
    let path = segments.joined(separator: "/")
    let canonical = [
      request.method, path.isEmpty ? "/" : path, query, canonicalHeaders, signedHeaders,
      Self.hex(Digest.sha256(request.body)),
    ].joined(separator: "\n")
    return (canonical, signedHeaders)
  }

  /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 requires.
  package static func uriEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
      if unreserved.contains(byte) {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out +=
          "%" + String(byte >> 4, radix: 16, uppercase: true)
          + String(byte & 0xF, radix: 16, uppercase: true)
      }
    }
    return out
  }

  static let unreserved: Set<UInt8> = Set(
    Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8))

  /// `YYYYMMDDTHHMMSSZ`: RFC 3339 in UTC without its separators.
  static func amzDate(_ date: Date) -> String {
    let stamp = RFC3339.format(Int64(date.timeIntervalSince1970.rounded(.down)))
    return String(stamp.filter { $0 != "-" && $0 != ":" })
  }

  static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
  }
}
