import AWSMFACore
import AWSMFAKit
import Testing

/// A transport that fails each call with a given error and counts the calls.
final class FailingTransport: HTTPTransport, @unchecked Sendable {
  // @unchecked: `calls` is only read after the awaited calls have finished.
  let error: TransportError
  var calls = 0
  init(_ error: TransportError) { self.error = error }
  func send(
    method: String, url: String, headers: [(String, String)], body: [UInt8], timeout: Double
  ) async throws(TransportError) -> HTTPAnswer {
    calls += 1
    throw error
  }
}

@Suite struct TransportRetryTests {
  let signer = SigningCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret")

  func calls(for kind: TransportError.Kind) async throws -> Int {
    let endpoint = try #require(
      ServiceEndpoint(url: "https://sts.amazonaws.com/", signingRegion: "us-east-1"))
    let transport = FailingTransport(
      TransportError(url: "https://sts.amazonaws.com", kind: kind, description: "failed."))
    let client = QueryClient(
      transport: transport, endpoint: endpoint, service: "sts", version: "2011-06-15",
      deadline: 20, retries: 2)
    _ = try? await client.call("GetCallerIdentity", [], signer: signer)
    return transport.calls
  }

  @Test func certificateAndProxyFailuresAreTriedOnce() async throws {
    #expect(try await calls(for: .tls) == 1)
    #expect(try await calls(for: .proxy) == 1)
    #expect(try await calls(for: .configuration) == 1)
  }

  @Test func anUnreachableHostIsTriedAgain() async throws {
    #expect(try await calls(for: .unreachable) == 3)
  }
}
