import AWSMFACore
import AWSMFAKit
import Testing

@testable import AWSMFACLI

/// The one table from failures to exit codes (README, Exit codes), without running a command.
@Suite struct ExitCodeTests {
  func code(_ error: any Error) -> Int32 { Failure.classify(error).code }

  @Test func configurationProblemsAre78() {
    #expect(code(ConfigError.cycle(["a", "b"])) == ExitStatus.config)
    #expect(code(NetworkError.proxy(variable: "HTTPS_PROXY", reason: "x")) == ExitStatus.config)
    let bundle = TransportError(url: "https://h", kind: .configuration, description: "bad.")
    #expect(code(STSError.transport(bundle)) == ExitStatus.config)
    #expect(code(LoginError.notRole(profile: "base")) == ExitStatus.config)
  }

  @Test func theNetworkIs75AndSTSsAnswersAre76And77() {
    for kind in [TransportError.Kind.tls, .proxy, .unreachable, .timedOut] {
      let failure = TransportError(url: "https://h", kind: kind, description: "failed.")
      #expect(code(STSError.transport(failure)) == ExitStatus.unavailable)
    }
    #expect(code(STSError.refused(status: 403, code: "AccessDenied", message: "")) == 77)
    #expect(code(STSError.malformed(status: 200, detail: "x")) == ExitStatus.protocolError)
    #expect(code(STSError.unavailable(status: 503, code: "x", message: "")) == 75)
  }

  @Test func codesKeyringAndTheRest() {
    #expect(code(MFAError.noSource(profile: "p", device: "d")) == ExitStatus.noCode)
    #expect(code(KeyringError(operation: "read", code: 13)) == ExitStatus.io)
    #expect(code(Failure.Message(code: 64, text: "x")) == 64)
    #expect(code(CancellationError()) == ExitStatus.interrupted)
    struct Unknown: Error {}
    #expect(code(Unknown()) == ExitStatus.internalError)
  }

  @Test func aHintFollowsItsMessage() {
    let message = Failure.classify(OATHError.card(.noReaders)).message
    #expect(message.hasPrefix(OATHError.card(.noReaders).description))
  }
}
