import AWSMFAKit
import Testing

@testable import AWSMFACore

/// Bytes handed out a few at a time, as a slow peer sends them.
final class Trickle: ByteSource {
  private var bytes: [UInt8]
  let step: Int

  init(_ text: String, step: Int = 3) {
    bytes = Array(text.utf8)
    self.step = step
  }

  func read(max: Int) throws(Connection.Failure) -> [UInt8] {
    let count = min(step, max, bytes.count)
    defer { bytes.removeFirst(count) }
    return Array(bytes[..<count])
  }
}

/// HTTP/1.1 framing as the client and the credential server read it: every framing the peers
/// use, and each malformed or smuggling-shaped message refused rather than guessed at.
@Suite struct HTTPWireTests {
  func response(_ text: String, step: Int = 3, limit: Int = 1 << 20) throws -> (Int, String) {
    let reader = HTTPReader(Trickle(text, step: step))
    var head: HTTPHead
    var status: Int
    repeat {
      head = try reader.readHead(limit: 65536, expectResponse: true)
      status = try Exchange.status(of: head)
    } while (100..<200).contains(status)
    let body = try reader.readBody(head.framing(isRequest: false), limit: limit)
    return (status, String(decoding: body, as: UTF8.self))
  }

  @Test(arguments: [1, 3, 64])
  func contentLengthBodyStopsAtItsLength(step: Int) throws {
    let (status, body) = try response(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced value \t\r\n\r\nhelloEXTRA", step: step)
    #expect(status == 200 && body == "hello")
  }

  @Test func chunkedBodyIsJoinedAndTrailersSkipped() throws {
    let (status, body) = try response(
      "HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "4;ext=1\r\n<Err\r\n3\r\nor>\r\n0\r\nX-Trailer: t\r\n\r\n")
    #expect(status == 403 && body == "<Error>")
  }

  @Test func interimAnswersAreSkippedAndCloseDelimitsABody() throws {
    let (status, body) = try response(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end")
    #expect(status == 200 && body == "until the end")
  }

  @Test func headerValuesAreTrimmedAndLookedUpByAnyCase() throws {
    let reader = HTTPReader(Trickle("HTTP/1.1 200 OK\r\nX-Amzn-RequestId:  abc \r\n\r\n"))
    let head = try reader.readHead(limit: 1024, expectResponse: true)
    #expect(head.header("x-amzn-requestid") == "abc")
  }

  @Test(arguments: [
    "hello world\r\n\r\n",  // not HTTP at all
    "<html>",  // an HTML page on a raw socket
    "HTTP/1.1 2000 OK\r\n\r\n",  // a four-digit status
    "HTTP/2 200\r\n\r\n",  // another version
    "HTTP/1.1 200 OK\nContent-Length: 0\n\n",  // bare LF line ends
    "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",  // no colon
    "HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n",  // obsolete line folding
    "HTTP/1.1 200 OK\r\nX: a\u{1b}[31m\r\n\r\n",  // a control character in a value
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",  // two lengths
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  // a bad chunk size
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",  // chunk overrun
  ])
  func malformedAnswersAreRefused(text: String) {
    #expect(throws: (any Error).self) { try response(text) }
    do {
      _ = try response(text)
    } catch let failure as HTTPReader.Failure {
      guard case .malformed = failure else {
        Issue.record("\(failure) is not .malformed for \(text.debugDescription)")
        return
      }
    } catch {
      #expect(error is HTTPHead.Malformed, "\(error) for \(text.debugDescription)")
    }
  }

  @Test func truncatedAnswersEndRatherThanHang() {
    for text in [
      "", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ] {
      #expect(throws: HTTPReader.Failure.self) { try response(text) }
    }
  }

  @Test func bodiesOverTheLimitAreRefusedWhateverTheirFraming() {
    for text in [
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "x", count: 200),
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n"
        + String(repeating: "x", count: 255) + "\r\n0\r\n\r\n",
    ] {
      do {
        _ = try response(text, step: 64, limit: 100)
        Issue.record("accepted \(text.prefix(40).debugDescription)")
      } catch let failure as HTTPReader.Failure {
        guard case .tooLarge = failure else {
          Issue.record("\(failure) for \(text.prefix(40).debugDescription)")
          return
        }
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  @Test func anOverlongHeadIsRefused() {
    let text = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 70000) + "\r\n\r\n"
    #expect(throws: HTTPReader.Failure.self) { try response(text, step: 4096) }
  }

  @Test func requestsWithoutALengthHaveNoBodyAndPipelinedOnesStayBuffered() throws {
    let reader = HTTPReader(
      Trickle("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.0\r\n\r\n", step: 100))
    let first = try reader.readHead(limit: 1024, expectResponse: false)
    #expect(try reader.readBody(first.framing(isRequest: true), limit: 10).isEmpty)
    #expect(try RequestHandler.requestLine(first).target == "/a")
    let second = try reader.readHead(limit: 1024, expectResponse: false)
    #expect(try RequestHandler.requestLine(second).version == "HTTP/1.0")
  }

  @Test(arguments: ["GET /a", "GET  /a HTTP/1.1", "G(T /a HTTP/1.1", "GET /a HTTP/2.0"])
  func malformedRequestLinesAreRefused(line: String) throws {
    let reader = HTTPReader(Trickle(line + "\r\n\r\n", step: 100))
    let head = try reader.readHead(limit: 1024, expectResponse: false)
    #expect(throws: HTTPHead.Malformed.self) { try RequestHandler.requestLine(head) }
  }

  @Test func requestsThatCouldSplitTheirHeadAreNotSent() throws {
    let target = try #require(HTTPTarget(url: "https://sts.amazonaws.com/"))
    #expect(NetworkTransport.isSafe(target: target, headers: [("X-Amz-Date", "20261130T000000Z")]))
    #expect(!NetworkTransport.isSafe(target: target, headers: [("X-A", "v\r\nInjected: 1")]))
    #expect(!NetworkTransport.isSafe(target: target, headers: [("Bad Name", "v")]))
    let spaced = try #require(HTTPTarget(url: "https://sts.amazonaws.com/a b"))
    #expect(!NetworkTransport.isSafe(target: spaced, headers: []))
  }
}
