/// How requests leave this machine: the forward proxy for a URL and the certificates trusted for
/// TLS, read as botocore reads them (urllib's proxy variables, `AWS_CA_BUNDLE`, `ca_bundle`).
package struct NetworkSettings: Sendable, Equatable {
  /// Proxy URLs by scheme (`http`, `https`) and the `no` list, after urllib's two passes.
  var proxies: [String: (value: String, variable: String)]
  /// The PEM bundle that replaces the system's trust store, and where it was named.
  package var caBundle: (path: String, source: String)?

  package static func == (lhs: NetworkSettings, rhs: NetworkSettings) -> Bool {
    lhs.proxies.mapValues { $0.value } == rhs.proxies.mapValues { $0.value }
      && lhs.caBundle?.path == rhs.caBundle?.path
  }

  /// Reads the proxy variables from `environment`, and the CA bundle from `AWS_CA_BUNDLE`, else
  /// `profileBundle` (the asked-for profile's `ca_bundle`: botocore reads it from the session's
  /// profile only, never along `source_profile`).
  package init(environment: Environment, profileBundle: String? = nil) {
    proxies = Self.proxyVariables(environment.entries)
    // botocore takes an empty AWS_CA_BUNDLE or ca_bundle as "verify nothing"; awsmfa never
    // turns verification off, so an empty value means unset (a difference the README lists).
    // REQUESTS_CA_BUNDLE comes last, as botocore's endpoint creator reads it.
    if let path = environment.nonEmpty("AWS_CA_BUNDLE") {
      caBundle = (path, "AWS_CA_BUNDLE")
    } else if let path = profileBundle, !path.isEmpty {
      caBundle = (path, "ca_bundle")
    } else if let path = environment.nonEmpty("REQUESTS_CA_BUNDLE") {
      caBundle = (path, "REQUESTS_CA_BUNDLE")
    }
  }

  /// urllib's `getproxies_environment`: any-case `*_proxy` names first, then lower-case names
  /// again so they win (an empty lower-case one removes the entry); under CGI
  /// (`REQUEST_METHOD` set) the upper-case `HTTP_PROXY` is dropped, as a client may set it.
  static func proxyVariables(_ entries: [(String, String)]) -> [String: (
    value: String, variable: String
  )] {
    var found: [String: (value: String, variable: String)] = [:]
    for (name, value) in entries where !value.isEmpty {
      let lower = name.lowercased()
      if lower.hasSuffix("_proxy") { found[String(lower.dropLast(6))] = (value, name) }
    }
    if entries.contains(where: { $0.0 == "REQUEST_METHOD" }) { found["http"] = nil }
    for (name, value) in entries where name.hasSuffix("_proxy") {
      let key = String(name.lowercased().dropLast(6))
      found[key] = value.isEmpty ? nil : (value, name)
    }
    return found
  }

  /// The proxy a request to `url` goes through, or nil for a direct connection.
  package func proxy(for url: String) throws(NetworkError) -> ProxyServer? {
    guard let target = HTTPTarget(url: url), let (value, variable) = proxies[target.scheme] else {
      return nil
    }
    if let list = proxies["no"]?.value, Self.bypasses(netloc: target.netloc, noProxy: list) {
      return nil
    }
    return try ProxyServer(url: value, variable: variable)
  }

  /// urllib's `proxy_bypass_environment`: `*`, or an entry equal to the host (with or without
  /// its port) or a dot-suffix of it; leading dots are ignored, case is not significant.
  static func bypasses(netloc: String, noProxy: String) -> Bool {
    if noProxy == "*" { return true }
    let host = netloc.lowercased()
    // urllib's _splitport: the part after the last colon is a port only when it is digits.
    var hostOnly = host
    if let colon = host.lastIndex(of: ":"),
      host[host.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber })
    {
      hostOnly = String(host[..<colon])
    }
    for entry in noProxy.split(separator: ",", omittingEmptySubsequences: false) {
      let trimmed = entry.trimmingPythonWhitespace()
      guard !trimmed.isEmpty else { continue }
      let name = trimmed.drop { $0 == "." }.lowercased()
      if hostOnly == name || host == name { return true }
      if hostOnly.hasSuffix("." + name) || host.hasSuffix("." + name) { return true }
    }
    return false
  }
}

/// A forward proxy from a `*_PROXY` variable: validated host and port, optional basic
/// credentials, and a display form with the password masked.
package struct ProxyServer: Sendable, Equatable {
  package var host: String
  package var port: Int
  package var user: String?
  package var password: String?
  /// The variable that named it (`HTTPS_PROXY`, `https_proxy`, …).
  package var variable: String

  /// `http://user:***@host:port`: safe to print.
  package var display: String {
    let credentials = user.map { "\($0):***@" } ?? ""
    return "http://\(credentials)\(HTTPTarget.bracketed(host)):\(port)"
  }

  /// `host:port` of the proxy.
  package var address: String { "\(HTTPTarget.bracketed(host)):\(port)" }

  /// Parses a proxy URL as botocore does: no scheme means `http://`, `//host` too; the default
  /// port is 80; user and password (percent-decoded) are used only when both are non-empty.
  package init(url value: String, variable: String) throws(NetworkError) {
    self.variable = variable
    var text = value
    let lower = text.lowercased()
    if lower.hasPrefix("https://") {
      throw .proxy(
        variable: variable,
        reason:
          "it names an https:// proxy; awsmfa talks to proxies in plain HTTP (the tunnel to AWS is still TLS), so use http://"
      )
    } else if lower.hasPrefix("http://") {
      text = String(text.dropFirst(7))
    } else if text.hasPrefix("//") {
      text = String(text.dropFirst(2))
    } else if let colon = lower.firstIndex(of: ":"),
      lower[lower.index(after: colon)...].hasPrefix("//")
    {
      throw .proxy(
        variable: variable,
        reason: "its scheme \(Quote.human(String(text[..<colon]))) is not http")
    }
    if text.containsBytes(":/") {
      throw .proxy(variable: variable, reason: "it is not of the form http://host:port")
    }
    // The authority ends at the first /, ? or #; the last @ in it ends the credentials.
    let end = text.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
    var authority = Substring(text[..<end])
    if let at = authority.lastIndex(of: "@") {
      let credentials = authority[..<at]
      authority = authority[authority.index(after: at)...]
      let colon = credentials.firstIndex(of: ":")
      let user = Self.percentDecoded(colon.map { credentials[..<$0] } ?? credentials)
      let password = colon.map { Self.percentDecoded(credentials[credentials.index(after: $0)...]) }
      if let password, !user.isEmpty, !password.isEmpty {
        self.user = user
        self.password = password
      }
    }
    let (host, port) = HTTPTarget.splitPort(String(authority))
    guard HTTPTarget.isHostName(host) else {
      throw .proxy(variable: variable, reason: "it does not name a host")
    }
    self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    // An empty port is the default, as urllib3 reads it; a sign or anything but digits is not.
    if let port, !port.isEmpty {
      guard port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(port),
        (1...65535).contains(number)
      else {
        throw .proxy(variable: variable, reason: "its port \(Quote.human(port)) is not a port")
      }
      self.port = number
    } else {
      self.port = 80
    }
  }

  /// `%XX` decoded, as Python's `unquote` does: a malformed escape stays as written, bytes that
  /// are not UTF-8 become U+FFFD.
  static func percentDecoded(_ text: Substring) -> String {
    let input = Array(text.utf8)
    var bytes: [UInt8] = []
    var index = 0
    while index < input.count {
      if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
        let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
      {
        bytes.append(high << 4 | low)
        index += 3
      } else {
        bytes.append(input[index])
        index += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
  }
}

/// An http(s) URL split the way a connection needs it.
package struct HTTPTarget: Sendable, Equatable {
  /// `http` or `https`.
  package var scheme: String
  /// `host[:port]` as written, for NO_PROXY matching.
  package var netloc: String
  /// The host name or address, without brackets.
  package var host: String
  package var port: Int
  /// Path and query, starting with `/`.
  package var path: String

  package init?(url: String) {
    let lower = url.lowercased()
    let rest: Substring
    if lower.hasPrefix("https://") {
      scheme = "https"
      rest = url.dropFirst(8)
    } else if lower.hasPrefix("http://") {
      scheme = "http"
      rest = url.dropFirst(7)
    } else {
      return nil
    }
    let slash = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
    netloc = String(rest[..<slash])
    guard !netloc.contains("@") else { return nil }
    let (host, port) = Self.splitPort(netloc.lowercased())
    guard Self.isHostName(host) else { return nil }
    self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    if let port {
      guard port.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(port),
        (1...65535).contains(number)
      else { return nil }
      self.port = number
    } else {
      self.port = scheme == "https" ? 443 : 80
    }
    let tail = rest[slash...]
    path = tail.isEmpty ? "/" : tail.hasPrefix("?") ? "/" + tail : String(tail)
  }

  /// `host:port` for CONNECT.
  package var authority: String { "\(Self.bracketed(host)):\(port)" }

  /// The Host header as SigV4 signs it: the URL's own spelling, without a default port.
  package var hostHeader: String {
    let suffix = scheme == "https" ? ":443" : ":80"
    return netloc.hasSuffix(suffix) ? String(netloc.dropLast(suffix.count)) : netloc
  }

  /// Whether the host is an IP address (never sent as a TLS server name).
  package var isAddress: Bool { Self.isAddress(host) }

  /// Whether `host` (without brackets) is an IPv4 or IPv6 address rather than a name.
  package static func isAddress(_ host: String) -> Bool {
    host.contains(":")
      || host.split(separator: ".").count == 4
        && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
  }

  /// Splits `host:port` (and `[v6]:port`); the port is nil when absent.
  static func splitPort(_ text: String) -> (host: String, port: String?) {
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return (text, nil) }
      let host = String(text[...close])
      let after = text[text.index(after: close)...]
      return after.hasPrefix(":") ? (host, String(after.dropFirst())) : (host, nil)
    }
    guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
    return (String(text[..<colon]), String(text[text.index(after: colon)...]))
  }

  /// A DNS name, an IPv4 address, or a bracketed IPv6 address: nothing else may reach a
  /// resolver or a socket.
  static func isHostName(_ host: String) -> Bool {
    if host.hasPrefix("[") {
      guard host.hasSuffix("]"), host.count > 2 else { return false }
      return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
    guard !host.isEmpty, host.utf8.count <= 253, !host.hasPrefix("."), !host.hasPrefix("-")
    else { return false }
    return host.utf8.allSatisfy {
      ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
        || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
        || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
        || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
    }
  }

  static func bracketed(_ host: String) -> String {
    host.contains(":") ? "[\(host)]" : host
  }
}

/// A proxy variable or CA bundle that cannot be used: a configuration error (78).
package enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
  case proxy(variable: String, reason: String)
  case caBundle(path: String, source: String, reason: String)

  package var description: String {
    switch self {
    case .proxy(let variable, let reason):
      return "\(variable) is not a proxy awsmfa can use: \(reason)."
    case .caBundle(let path, let source, let reason):
      return "The CA bundle \(Quote.human(path)) (from \(source)) \(reason)."
    }
  }
}

extension Substring {
  /// Without the whitespace Python's `str.strip()` removes: Unicode white space and the
  /// separators U+001C–U+001F.
  func trimmingPythonWhitespace() -> Substring {
    func isSpace(_ character: Character) -> Bool {
      character.isWhitespace
        || character.unicodeScalars.allSatisfy { (0x1C...0x1F).contains($0.value) }
    }
    var slice = self
    while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
    while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
    return slice
  }
}
