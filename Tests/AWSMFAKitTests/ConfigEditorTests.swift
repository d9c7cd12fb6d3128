import AWSMFAKit
import Foundation
import Testing

@Suite struct ConfigEditorTests {
  static let keys: [(key: String, value: String)] = [
    ("mfa_serial", "arn:aws:iam::123456789012:mfa/bob"),
    ("awsmfa_oath_account", "Amazon Web Services:bob@acme"),
  ]

  @Test func addsKeysAfterTheLastKeyAndKeepsEverythingElse() {
    let before = """
      # my config
      [default]
      region = eu-west-1

      ; the work account
      [profile work]
      region = us-east-1
      s3 =
        max_concurrent_requests = 20

      # trailing comment of work
      [profile other]
      output = json

      """
    let after = ConfigEditor.setting(Self.keys, profile: "work", in: before)
    #expect(
      after == """
        # my config
        [default]
        region = eu-west-1

        ; the work account
        [profile work]
        region = us-east-1
        s3 =
          max_concurrent_requests = 20
        mfa_serial = arn:aws:iam::123456789012:mfa/bob
        awsmfa_oath_account = Amazon Web Services:bob@acme

        # trailing comment of work
        [profile other]
        output = json

        """)
  }

  @Test func replacesExistingKeysInPlaceWithTheirContinuations() {
    let before =
      "[profile work]\nMFA_Serial=arn:old\n  continued\nregion = x\nawsmfa_oath_account :  old\n"
    let after = ConfigEditor.setting(Self.keys, profile: "work", in: before)
    #expect(
      after == """
        [profile work]
        MFA_Serial=arn:aws:iam::123456789012:mfa/bob
        region = x
        awsmfa_oath_account :  Amazon Web Services:bob@acme

        """)
  }

  @Test(arguments: [
    ("", "[profile work]\nmfa_serial = A\n"),
    ("[default]\nregion = x", "[default]\nregion = x\n\n[profile work]\nmfa_serial = A\n"),
    ("[profile work]", "[profile work]\nmfa_serial = A\n"),
    ("[profile work]\n[profile b]\n", "[profile work]\nmfa_serial = A\n[profile b]\n"),
    ("[profile work]\nregion = x", "[profile work]\nregion = x\nmfa_serial = A\n"),
    ("[profile work]\nmfa_serial = B", "[profile work]\nmfa_serial = A"),
    ("[profile work]\r\nregion = x\r\n", "[profile work]\r\nregion = x\r\nmfa_serial = A\r\n"),
    ("[profile workshop]\n", "[profile workshop]\n\n[profile work]\nmfa_serial = A\n"),
    ("[work]\n[profile work]\n", "[work]\n[profile work]\nmfa_serial = A\n"),
    // configparser keeps the spaces inside the brackets: botocore does not see a profile there.
    ("[ profile   work ]\n", "[ profile   work ]\n\n[profile work]\nmfa_serial = A\n"),
    ("[profile   work]\n", "[profile   work]\nmfa_serial = A\n"),
    ("[profile work]\rregion = x\r", "[profile work]\rregion = x\rmfa_serial = A\r"),
  ])
  func edgeCases(before: String, expected: String) {
    #expect(ConfigEditor.setting([("mfa_serial", "A")], profile: "work", in: before) == expected)
  }

  @Test func defaultProfileUsesItsOwnHeader() {
    #expect(ConfigEditor.setting([("k", "v")], profile: "default", in: "") == "[default]\nk = v\n")
    #expect(
      ConfigEditor.setting([("k", "v")], profile: "default", in: "[default]\n")
        == "[default]\nk = v\n")
  }

  @Test func newlinesInValuesCannotInjectKeys() {
    let after = ConfigEditor.setting([("k", "v\nrole_arn = evil")], profile: "p", in: "")
    #expect(after == "[profile p]\nk = vrole_arn = evil\n")
  }

  @Test func resultParsesToTheSameProfilesWithTheNewKeys() throws {
    let before = "[profile a]\nregion = x\n[profile b]\nregion = y\n"
    let after = ConfigEditor.setting(Self.keys, profile: "a", in: before)
    let sections = try INIFile.parse(after, path: "t")
    #expect(sections.map(\.header) == ["profile a", "profile b"])
    #expect(sections[0]["mfa_serial"] == Self.keys[0].value)
    #expect(sections[0]["awsmfa_oath_account"] == Self.keys[1].value)
    #expect(sections[1].keys == ["region"])
  }

  @Test func writerKeepsABackupModeAndSymlink() throws {
    let directory = NSTemporaryDirectory() + "awsmfa-editor-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let real = directory + "/real-config"
    let link = directory + "/config"
    try "[profile a]\nregion = x\n".write(toFile: real, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: real)
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
    let backup = try ConfigFileWriter.update(
      path: link, profile: "a", values: [("k", "v")], now: 1000)
    #expect(backup == real + ".awsmfa-backup-1000")
    #expect(
      try String(contentsOfFile: backup ?? "", encoding: .utf8) == "[profile a]\nregion = x\n")
    #expect(try String(contentsOfFile: real, encoding: .utf8) == "[profile a]\nregion = x\nk = v\n")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
    let mode = try FileManager.default.attributesOfItem(atPath: real)[.posixPermissions] as? Int
    #expect(mode == 0o640)
    #expect(
      try ConfigFileWriter.update(path: link, profile: "a", values: [("k", "v")], now: 1001) == nil)
    let missing = directory + "/new/config"
    #expect(
      try ConfigFileWriter.update(path: missing, profile: "a", values: [("k", "v")], now: 1) == nil)
    #expect(try String(contentsOfFile: missing, encoding: .utf8) == "[profile a]\nk = v\n")
  }
}
