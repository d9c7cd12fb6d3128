import AWSMFAKit

/// HTTP/1.1 message framing (RFC 9112) for the client and the credential server: a head of
/// CRLF-terminated lines, then a body framed by Content-Length, chunked coding or the end of
/// the connection. Strict where laxness lets a peer smuggle or confuse: bad framing is refused.
struct HTTPHead {
  /// The start line: `HTTP/1.1 200 OK` or `GET /path HTTP/1.1`.
  var startLine: String
  var headers: [(String, String)]

  /// The first header named `name` (case-insensitive).
  func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name }?.1
  }

  /// Why a message could not be read as HTTP, in a few words.
  struct Malformed: Error {
    var reason: String
  }

  /// Parses the head's bytes (without the blank line that ends it).
  init(bytes: ArraySlice<UInt8>) throws(Malformed) {
    var lines: [ArraySlice<UInt8>] = []
    var start = bytes.startIndex
    var index = bytes.startIndex
    while index < bytes.endIndex {
      if bytes[index] == 10 {
        guard index > start, bytes[index - 1] == 13 else {
          throw Malformed(reason: "a line not ended by CRLF")
        }
        lines.append(bytes[start..<(index - 1)])
        start = index + 1
      }
      index += 1
    }
    if start < bytes.endIndex { lines.append(bytes[start...]) }
    guard let first = lines.first else { throw Malformed(reason: "an empty head") }
    guard first.allSatisfy({ $0 >= 32 && $0 != 127 }) else {
      throw Malformed(reason: "control characters in the start line")
    }
    startLine = String(decoding: first, as: UTF8.self)
    headers = []
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
        line[..<colon].allSatisfy(Self.isTokenByte)
      else {
        throw Malformed(reason: "a malformed header line")
      }
      let value = line[(colon + 1)...].drop { $0 == 32 || $0 == 9 }
      guard value.allSatisfy({ $0 >= 32 || $0 == 9 }), value.allSatisfy({ $0 != 127 }) else {
        throw Malformed(reason: "control characters in a header")
      }
      var end = value.endIndex
      while end > value.startIndex, value[end - 1] == 32 || value[end - 1] == 9 { end -= 1 }
      headers.append(
        (
          String(decoding: line[..<colon], as: UTF8.self),
          String(decoding: value[..<end], as: UTF8.self)
        ))
    }
  }

  /// RFC 9110's token characters (header names, methods).
  static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    default:
      return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
  }

  /// How the body that follows is framed.
  enum Framing: Equatable {
    case length(Int)
    case chunked
    case untilClose
  }

  /// The body's framing; `isRequest` because a request without a length has no body.
  func framing(isRequest: Bool) throws(Malformed) -> Framing {
    if let coding = header("transfer-encoding") {
      guard coding.lowercased() == "chunked" else {
        throw Malformed(reason: "a transfer coding other than chunked")
      }
      guard header("content-length") == nil else {
        throw Malformed(reason: "both Content-Length and Transfer-Encoding")
      }
      return .chunked
    }
    let lengths = headers.filter { $0.0.lowercased() == "content-length" }.map(\.1)
    guard let length = lengths.first else { return isRequest ? .length(0) : .untilClose }
    guard lengths.allSatisfy({ $0 == length }), !length.isEmpty, length.utf8.count <= 18,
      length.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(length)
    else {
      throw Malformed(reason: "an invalid Content-Length")
    }
    return .length(value)
  }
}

/// Reads HTTP messages from a byte source, keeping what it read past the current message.
final class HTTPReader {
  private let source: any ByteSource
  private var buffer: [UInt8] = []

  init(_ source: any ByteSource) {
    self.source = source
  }

  enum Failure: Error {
    case io(Connection.Failure)
    case malformed(String)
    /// The body is longer than the limit.
    case tooLarge
    /// The stream ended before the message did; `empty` when nothing of it had come.
    case ended(empty: Bool)
  }

  /// The next head, up to `limit` bytes; `expectResponse` fails fast on a peer that answers
  /// with something other than `HTTP/`.
  func readHead(limit: Int, expectResponse: Bool) throws(Failure) -> HTTPHead {
    var scanned = 0
    while true {
      if expectResponse, buffer.count >= 5, !buffer.starts(with: Array("HTTP/".utf8)) {
        throw .malformed("no HTTP status line")
      }
      if let end = Self.endOfHead(buffer, from: max(0, scanned - 3)) {
        guard end - 4 <= limit else { throw .malformed("a head longer than \(limit) bytes") }
        let head = buffer[..<(end - 4)]
        defer { buffer.removeFirst(end) }
        do {
          return try HTTPHead(bytes: head[...])
        } catch {
          throw .malformed(error.reason)
        }
      }
      if buffer.indices[max(0, scanned - 1)...].contains(where: {
        buffer[$0] == 10 && ($0 == 0 || buffer[$0 - 1] != 13)
      }) {
        throw .malformed("a line not ended by CRLF")
      }
      scanned = buffer.count
      guard buffer.count <= limit else { throw .malformed("a head longer than \(limit) bytes") }
      let more = try fill()
      if more.isEmpty {
        if expectResponse, !buffer.isEmpty,
          !buffer.starts(with: Array("HTTP/".utf8).prefix(buffer.count))
        {
          throw .malformed("no HTTP status line")
        }
        throw .ended(empty: buffer.isEmpty)
      }
    }
  }

  /// The body as `framing` delimits it, at most `limit` bytes.
  func readBody(_ framing: HTTPHead.Framing, limit: Int) throws(Failure) -> [UInt8] {
    switch framing {
    case .length(let length):
      guard length <= limit else { throw .tooLarge }
      return try take(length)
    case .untilClose:
      while true {
        guard buffer.count <= limit else { throw .tooLarge }
        if try fill().isEmpty { break }
      }
      defer { buffer = [] }
      return buffer
    case .chunked:
      var body: [UInt8] = []
      while true {
        let line = try readLine(limit: 1024)
        let sizeText = line.prefix { $0 != UInt8(ascii: ";") }
        guard !sizeText.isEmpty, sizeText.count <= 15,
          let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16)
        else {
          throw .malformed("a malformed chunk size")
        }
        if size == 0 { break }
        guard body.count + size <= limit else { throw .tooLarge }
        body += try take(size)
        guard try readLine(limit: 0).isEmpty else { throw .malformed("a chunk without its CRLF") }
      }
      // Trailer fields, ignored, up to the blank line.
      while !(try readLine(limit: 8192)).isEmpty {}
      return body
    }
  }

  private func take(_ count: Int) throws(Failure) -> [UInt8] {
    while buffer.count < count {
      if try fill().isEmpty { throw .ended(empty: false) }
    }
    defer { buffer.removeFirst(count) }
    return Array(buffer[..<count])
  }

  /// One CRLF-terminated line, without its CRLF.
  private func readLine(limit: Int) throws(Failure) -> [UInt8] {
    while true {
      if let newline = buffer.firstIndex(of: 10) {
        guard newline > 0, buffer[newline - 1] == 13 else {
          throw .malformed("a line not ended by CRLF")
        }
        defer { buffer.removeFirst(newline + 1) }
        return Array(buffer[..<(newline - 1)])
      }
      guard buffer.count <= limit + 2 else { throw .malformed("an over-long line") }
      if try fill().isEmpty { throw .ended(empty: false) }
    }
  }

  @discardableResult
  private func fill() throws(Failure) -> [UInt8] {
    let more: [UInt8]
    do {
      more = try source.read(max: 16384)
    } catch {
      throw .io(error)
    }
    buffer += more
    return more
  }

  /// The index just past the first CRLFCRLF at or after `from`.
  static func endOfHead(_ bytes: [UInt8], from: Int) -> Int? {
    guard bytes.count >= 4, from <= bytes.count - 4 else { return nil }
    for index in from...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13
      && bytes[index + 3] == 10
    {
      return index + 4
    }
    return nil
  }
}
