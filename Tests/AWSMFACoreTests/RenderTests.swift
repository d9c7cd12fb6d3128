import AWSMFAKit
import Testing

@Suite struct RenderTests {
  let credentials = SessionCredentials(
    accessKeyId: "ASIAEXAMPLE", secretAccessKey: "se/cr+et", sessionToken: "to'ken",
    expiration: 1_795_924_057)

  @Test func posixQuotesEveryValue() {
    let text = ShellRenderer.render(
      Exports(
        credentials: credentials, profile: "a'b $(x)", region: "eu-west-1", refreshWindow: 900),
      format: .bash)
    #expect(text.hasPrefix("unset AWS_PROFILE;\n"))
    #expect(text.contains("export AWS_SESSION_TOKEN='to'\\''ken';\n"))
    #expect(text.contains("export AWSMFA_PROFILE='a'\\''b $(x)';\n"))
    #expect(text.contains("export AWS_CREDENTIAL_EXPIRATION='2026-11-29T03:47:37Z';\n"))
    #expect(text.contains("export AWSMFA_EXPIRES='1795924057';\n"))
    #expect(text.contains("export AWS_DEFAULT_REGION='eu-west-1';\n"))
    #expect(text.hasSuffix("export AWSMFA_REFRESH_WINDOW='900';\n"))
  }

  @Test func unsetRemovesEveryExportedName() {
    let exports = Exports(credentials: credentials, profile: "p", region: "r", refreshWindow: 600)
    #expect(Set(exports.variables.map(\.0)).isSubset(of: Set(Exports.allNames)))
    #expect(ShellRenderer.renderUnset(format: .bash).contains("unset AWSMFA_REFRESH_WINDOW;\n"))
  }

  @Test func fishEscapesBackslashAndQuote() {
    #expect(ShellQuote.fish("a\\b'c") == "'a\\\\b\\'c'")
    let text = ShellRenderer.render(
      Exports(credentials: credentials, profile: "p", region: nil), format: .fish)
    #expect(text.contains("set -gx AWS_SESSION_TOKEN 'to\\'ken';\n"))
    #expect(!text.contains("AWS_REGION"))
  }

  @Test func jsonIsCredentialProcessVersion1() {
    let text = ShellRenderer.render(
      Exports(credentials: credentials, profile: "p", region: nil), format: .json)
    #expect(
      text
        == "{\"Version\":1,\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"se/cr+et\",\"SessionToken\":\"to'ken\",\"Expiration\":\"2026-11-29T03:47:37Z\"}\n"
    )
  }

  @Test func dotenvEscapesDollarAndQuotes() {
    #expect(ShellQuote.dotenv("a\"b$c\nd") == "\"a\\\"b\\$c\\nd\"")
  }

  @Test(arguments: [
    ("2026-11-24T04:05:04.399567Z", Int64(1_795_493_104)),
    ("2026-11-24T04:05:04Z", 1_795_493_104),
    ("2026-11-24T05:05:04+01:00", 1_795_493_104),
    ("1970-01-01T00:00:00Z", 0),
  ])
  func parsesTimestamps(text: String, epoch: Int64) {
    #expect(RFC3339.parse(text) == epoch)
  }

  @Test func formatsAndParsesRoundTrip() {
    for value in stride(from: Int64(0), to: 4_102_444_800, by: 86_399 * 37) {
      #expect(RFC3339.parse(RFC3339.format(value)) == value)
    }
    #expect(RFC3339.parse("2026-13-01T00:00:00Z") == nil)
    #expect(RFC3339.parse("yesterday") == nil)
  }

  @Test func payloadRoundTrips() {
    #expect(SessionCredentials(payload: credentials.payload) == credentials)
    #expect(SessionCredentials(payload: "{\"AccessKeyId\":1}") == nil)
    #expect(SessionCredentials(payload: "garbage") == nil)
  }

  @Test func fastPathRecognisesOnlySimpleCalls() {
    #expect(FastPath.recognise(["env", "prod"]) == .init(profile: "prod", format: nil))
    #expect(
      FastPath.recognise(["env", "--format", "fish", "prod"])
        == .init(profile: "prod", format: .fish))
    #expect(
      FastPath.recognise(["env", "prod", "--format=json"]) == .init(profile: "prod", format: .json))
    #expect(FastPath.recognise(["env", "prod", "--refresh"]) == nil)
    #expect(FastPath.recognise(["env", "prod", "--format", "tcsh"]) == nil)
    #expect(FastPath.recognise(["env"]) == nil)
    #expect(FastPath.recognise(["list"]) == nil)
    #expect(FastPath.recognise(["env", "a", "b"]) == nil)
    #expect(
      FastPath.recognise(["env", "--format", "zsh", "--", "-e"])
        == .init(profile: "-e", format: .zsh))
    #expect(FastPath.recognise(["env", "--", "-e", "x"]) == nil)
    #expect(FastPath.recognise(["env", "a", "--", "b"]) == nil)
  }
}
