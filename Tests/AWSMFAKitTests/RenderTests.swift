import AWSMFAKit
import Testing

@Suite struct RenderTests {
  let credentials = SessionCredentials(
    accessKeyId: "ASIAEXAMPLE0000001", secretAccessKey: "se/cr+et0000000000",
    sessionToken: "to+ken/0000000000=",
    expiration: 1_795_924_057)

  @Test func posixQuotesEveryValue() throws {
    let text = try ShellRenderer.render(
      Exports(
        credentials: credentials, profile: "a'b $(x)", region: "eu-west-1", refreshWindow: 900),
      format: .bash)
    #expect(text.hasPrefix("unset AWS_PROFILE;\n"))
    #expect(text.contains("export AWS_SESSION_TOKEN='to+ken/0000000000=';\n"))
    #expect(text.contains("export AWSMFA_PROFILE='a'\\''b $(x)';\n"))
    #expect(text.contains("export AWS_CREDENTIAL_EXPIRATION='2026-11-29T03:47:37Z';\n"))
    #expect(text.contains("export AWSMFA_EXPIRES='1795924057';\n"))
    #expect(text.contains("export AWS_DEFAULT_REGION='eu-west-1';\n"))
    #expect(text.hasSuffix("export AWSMFA_REFRESH_WINDOW='900';\n"))
  }

  @Test func unsetRemovesEveryExportedName() {
    let exports = Exports(credentials: credentials, profile: "p", region: "r", refreshWindow: 600)
    #expect(Set(exports.variables.map(\.0)).isSubset(of: Set(Exports.allNames)))
    let after = Environment(["AWSMFA_PROFILE": "p", "AWS_ACCESS_KEY_ID": "x"])
    let text = ShellRenderer.renderUnset(format: .bash, removal: Removal(environment: after))
    #expect(text.hasPrefix("unset AWS_ACCESS_KEY_ID "))
    #expect(text.contains(" AWSMFA_REFRESH_WINDOW"))
  }

  @Test func switchingProfilesRemovesOnlyWhatAwsmfaSet() throws {
    // After `env a` (region eu-west-1) with the user's AWS_PROFILE=mine: `env b` (no region)
    // clears awsmfa's region and remembers mine; `unset` brings mine back.
    let shell = Environment([
      "AWSMFA_REGION": "eu-west-1", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
      "AWSMFA_PREVIOUS_PROFILE": "mine", "AWSMFA_PROFILE": "a",
    ])
    let exports = Exports(
      credentials: credentials, profile: "b", region: nil, refreshWindow: 600, environment: shell)
    let text = try ShellRenderer.render(exports, format: .bash)
    #expect(text.hasPrefix("unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWSMFA_REGION;\n"))
    #expect(text.contains("export AWSMFA_PREVIOUS_PROFILE='mine';\n"))
    // The user's own region (not awsmfa's) stays.
    let own = Environment(["AWSMFA_REGION": "eu-west-1", "AWS_REGION": "us-east-2"])
    let kept = Exports(
      credentials: credentials, profile: "b", region: nil, refreshWindow: 600, environment: own)
    #expect(kept.removed == ["AWS_PROFILE"])
    let removal = Removal(environment: own)
    #expect(!removal.names.contains("AWS_REGION"))
    let back = ShellRenderer.renderUnset(format: .fish, removal: Removal(environment: shell))
    #expect(back.hasSuffix("set -gx AWS_PROFILE 'mine';\n"))
    #expect(back.contains("set -e AWS_REGION; or true;\n"))
  }

  @Test func fishEscapesBackslashAndQuote() throws {
    #expect(ShellQuote.fish("a\\b'c") == "'a\\\\b\\'c'")
    let text = try ShellRenderer.render(
      Exports(credentials: credentials, profile: "p'q\\", region: nil), format: .fish)
    #expect(text.contains("set -gx AWSMFA_PROFILE 'p\\'q\\\\';\n"))
    #expect(!text.contains("AWS_REGION"))
  }

  @Test func jsonIsCredentialProcessVersion1() throws {
    let text = try ShellRenderer.render(
      Exports(credentials: credentials, profile: "p", region: nil), format: .json)
    #expect(
      text
        == "{\"Version\":1,\"AccessKeyId\":\"ASIAEXAMPLE0000001\",\"SecretAccessKey\":\"se/cr+et0000000000\",\"SessionToken\":\"to+ken/0000000000=\",\"Expiration\":\"2026-11-29T03:47:37Z\"}\n"
    )
  }

  @Test func dotenvQuotesSingleAndRefusesWhatReadersDisagreeOn() throws {
    #expect(ShellQuote.dotenv("a\"b$c `d` #e") == "'a\"b$c `d` #e'")
    for name in ["it's", "a\\b"] {
      #expect(throws: UnsafeValueError.self) {
        try ShellRenderer.render(
          Exports(credentials: credentials, profile: name, region: nil), format: .dotenv)
      }
    }
  }

  @Test(arguments: OutputFormat.allCases)
  func controlCharactersAreNeverRendered(format: OutputFormat) {
    for name in ["a\nb", "a\u{1e}b", "a\u{0}b", "x\u{1b}[31m", "\r"] {
      #expect(throws: UnsafeValueError.self) {
        try ShellRenderer.render(
          Exports(credentials: credentials, profile: name, region: nil), format: format)
      }
    }
  }

  @Test func visibleShowsEveryControlAsHex() {
    #expect(
      Visible.text("a\u{0}b\u{1b}]0;x\u{7}\nc\u{7f}\u{9b}é")
        == "a\\x00b\\x1b]0;x\\x07\\x0ac\\x7f\\x9bé")
    #expect(Visible.text("a\nb\rc", keepNewlines: true) == "a\nb\\x0dc")
    #expect(Visible.text("plain") == "plain")
  }

  @Test func credentialShapesFollowAWS() {
    #expect(credentials.shapeProblem == nil)
    var bad = credentials
    bad.sessionToken = "abc\n\u{1e}set -gx X 1"
    #expect(bad.shapeProblem?.contains("SessionToken") == true)
    bad = credentials
    bad.accessKeyId = "ASIA$(touch x)00000"
    #expect(bad.shapeProblem?.contains("AccessKeyId") == true)
    bad = credentials
    bad.secretAccessKey = "short"
    #expect(bad.shapeProblem?.contains("SecretAccessKey") == true)
    #expect(SessionCredentials(payload: bad.payload) == nil)
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

}
