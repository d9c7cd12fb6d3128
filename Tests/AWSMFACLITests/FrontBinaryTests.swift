import AWSMFAKit
import Testing

@testable import AWSMFACLI

/// The front binary answers some `env` calls itself; whatever it recognises must mean the same
/// to the full CLI's ArgumentParser tree, or a cached `env` and a fresh one would disagree.
@Suite struct FrontBinaryTests {
  @Test func envCallRecognisesOnlySimpleCalls() {
    #expect(EnvCall(["env", "prod"]) == .init(profile: "prod", format: nil))
    #expect(
      EnvCall(["env", "--format", "fish", "prod"])
        == .init(profile: "prod", format: .fish))
    #expect(
      EnvCall(["env", "prod", "--format=json"]) == .init(profile: "prod", format: .json))
    #expect(EnvCall(["env", "prod", "--refresh"]) == nil)
    #expect(
      EnvCall(["env", "--hook", "--format", "bash", "--", "p"])
        == .init(profile: "p", format: .bash, hook: true))
    #expect(EnvCall(["env", "prod", "--format", "tcsh"]) == nil)
    #expect(EnvCall(["env"]) == nil)
    #expect(EnvCall(["list"]) == nil)
    #expect(EnvCall(["env", "a", "b"]) == nil)
    #expect(
      EnvCall(["env", "--format", "zsh", "--", "-e"])
        == .init(profile: "-e", format: .zsh))
    #expect(EnvCall(["env", "--", "-e", "x"]) == nil)
    #expect(EnvCall(["env", "a", "--", "b"]) == nil)
  }

  @Test(arguments: [
    ["env", "prod"], ["env", "--format", "fish", "prod"], ["env", "prod", "--format=json"],
    ["env", "--hook", "--format", "bash", "--", "p"], ["env", "--format", "zsh", "--", "-e"],
    ["env", "-f", "dotenv", "prod"], ["env", "prod", "-f", "zsh"], ["env", "--", "prod"],
    ["env", "--format=fish", "--", "--format"], ["env", "prod", "--hook"],
  ])
  func whatTheFrontBinaryRecognisesTheCLIParsesAlike(arguments: [String]) throws {
    let request = try #require(EnvCall(arguments))
    let parsed = try AWSMFA.parseAsRoot(arguments)
    let env = try #require(parsed as? Env)
    #expect(env.profile == request.profile)
    #expect(env.format == request.format)
    #expect(env.hook == request.hook)
  }
}
