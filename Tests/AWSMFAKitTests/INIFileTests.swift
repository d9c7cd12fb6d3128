import AWSMFAKit
import Testing

@Suite struct INIFileTests {
  @Test func parsesSectionsCommentsAndContinuations() throws {
    let text = """
      # top comment
      [default]
      region = eu-west-1
      ; another comment
      [profile prod]
      role_arn=arn:aws:iam::1:role/x
      s3 =
        max_concurrent_requests = 20
      Source_Profile : base\r
      """
    let sections = try INIFile.parse(text, path: "cfg")
    #expect(sections.map(\.header) == ["default", "profile prod"])
    #expect(sections[0]["region"] == "eu-west-1")
    #expect(sections[1]["role_arn"] == "arn:aws:iam::1:role/x")
    #expect(sections[1]["s3"] == "\nmax_concurrent_requests = 20")
    #expect(sections[1]["source_profile"] == "base")
  }

  @Test func readsAsConfigparserDoes() throws {
    // Lone CR ends a line; DEFAULT's keys reach every section; a header keeps its spaces; blank
    // lines inside a value are kept and trailing ones dropped.
    let text =
      "[DEFAULT]\rregion = eu-west-1\r[ profile a ]\rs3 =\r  x = 1\r\r  y = 2\r\r[b]\rregion = us-east-2"
    let sections = try INIFile.parse(text, path: "cfg")
    #expect(sections.map(\.header) == [" profile a ", "b"])
    #expect(sections[0]["region"] == "eu-west-1")
    #expect(sections[0]["s3"] == "\nx = 1\n\ny = 2")
    #expect(sections[1]["region"] == "us-east-2")
  }

  @Test(arguments: [
    ("\u{FEFF}[default]\nregion = x", 1, "byte order mark"),
    ("[a]\ns3 =\n  no equals here", 1, "nested"),
    ("[default\nregion = x", 1, "closing"), ("[]", 1, "closing"),
    ("[a]\njust words", 2, "expected"),
    ("region = x", 1, "before any"),
    ("[a]\n[a]", 2, "twice"),
    ("[a]\nk = 1\nk = 2", 3, "twice"),
    ("[a]\n = 1", 2, "no key"),
  ])
  func rejectsMalformedLines(text: String, line: Int, reason: String) {
    #expect {
      try INIFile.parse(text, path: "cfg")
    } throws: { error in
      guard let error = error as? INIParseError else { return false }
      return error.line == line && error.reason.contains(reason)
    }
  }

  @Test func valuesKeepInlineHashesLikeBotocore() throws {
    let sections = try INIFile.parse("[a]\nregion = us-east-1 # not a comment", path: "cfg")
    #expect(sections[0]["region"] == "us-east-1 # not a comment")
  }
}
