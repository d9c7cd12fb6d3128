import AWSMFAKit
import Testing

@testable import AWSMFACard
@testable import AWSMFACore

@Suite struct OATHSessionTests {
  static let rfcSecret = Array("12345678901234567890".utf8)

  func key(_ credentials: [FakeYubiKey.Credential]) -> FakeYubiKey {
    let card = FakeYubiKey()
    card.credentials = credentials
    return card
  }

  // RFC 6238 appendix B, 8 digits, at T = 59 and 1111111109.
  @Test(arguments: [
    (OATHAlgorithm.sha1, 59 as Int64, "94287082"), (.sha256, 59, "46119246"),
    (.sha512, 59, "90693936"),
    (.sha1, 1_111_111_109, "07081804"),
  ])
  func calculateGivesRFC6238Codes(algorithm: OATHAlgorithm, time: Int64, expected: String) throws {
    let secrets: [OATHAlgorithm: String] = [
      .sha1: "12345678901234567890", .sha256: "12345678901234567890123456789012",
      .sha512: String(repeating: "1234567890", count: 6) + "1234",
    ]
    let card = key([
      .init(
        name: "a", secret: Array((secrets[algorithm] ?? "").utf8), algorithm: algorithm, digits: 8)
    ])
    let session = OATHSession(connection: card, label: "test")
    _ = try session.select()
    #expect(
      try session.calculate(name: "a", challenge: OATHCode.challenge(time: time, period: 30))
        == expected)
  }

  @Test func calculateAllReportsTouchAndHOTPAndChainedAnswers() throws {
    var many: [FakeYubiKey.Credential] = (0..<20).map {
      .init(name: "Issuer\($0):account\($0)", secret: Self.rfcSecret)
    }
    many.append(.init(name: "t", secret: Self.rfcSecret, touch: true))
    many.append(.init(name: "h", secret: Self.rfcSecret, hotp: true))
    let card = key(many)
    card.maxResponse = 50
    let session = OATHSession(connection: card, label: "test")
    _ = try session.select()
    let entries = try session.calculateAll(challenge: OATHCode.challenge(time: 59, period: 30))
    #expect(entries.count == 22)
    #expect(entries[0].code == "287082")
    #expect(entries[20] == OATHEntry(name: OATHName("t"), type: .totp, touch: true, code: nil))
    #expect(entries[21].type == .hotp)
    #expect(card.log.contains { $0.count >= 2 && $0[1] == 0xA5 })
  }

  @Test func touchTimeoutIsItsOwnError() throws {
    let card = key([.init(name: "t", secret: Self.rfcSecret, touch: true)])
    card.touched = false
    let session = OATHSession(connection: card, label: "test")
    _ = try session.select()
    #expect(throws: OATHError.touchTimeout(credential: "t")) {
      try session.calculate(name: "t", challenge: [0, 0, 0, 0, 0, 0, 0, 1], touch: true)
    }
  }

  @Test func derivedKeyIsPBKDF2SHA1With1000Rounds() {
    let key = OATHPassword.deriveKey(password: "hunter2", salt: [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(Hex.encode(key) == "d0c6df9806c2b3e3d1627596479f2f95")
  }

  @Test func deviceIDIsWhatYkmanShows() throws {
    let selection = try OATHSession(connection: FakeYubiKey(), label: "x").select()
    #expect(selection.deviceID == "ZoQN2hVOihE8Md0K0y9/Og")
    #expect(!selection.isLocked)
  }

  @Test func validateUnlocksAndChecksTheCard() throws {
    let card = key([.init(name: "a", secret: Self.rfcSecret)])
    card.passwordKey = OATHPassword.deriveKey(password: "hunter2", salt: card.salt)
    let session = OATHSession(connection: card, label: "test")
    let selection = try session.select()
    #expect(selection.isLocked)
    #expect(throws: OATHError.passwordRequired(key: "test")) { try session.list() }
    try session.validate(
      key: OATHPassword.deriveKey(password: "hunter2", salt: selection.salt), selection: selection)
    #expect(try session.list().map(\.name.raw) == ["a"])
  }

  @Test func wrongPasswordIsItsOwnError() throws {
    let card = key([])
    card.passwordKey = OATHPassword.deriveKey(password: "hunter2", salt: card.salt)
    let session = OATHSession(connection: card, label: "k")
    let selection = try session.select()
    #expect(throws: OATHError.wrongPassword(key: "k")) {
      try session.validate(
        key: OATHPassword.deriveKey(password: "nope", salt: selection.salt), selection: selection)
    }
  }

  @Test func cardThatCannotProveTheKeyIsRefused() throws {
    let card = key([])
    card.passwordKey = OATHPassword.deriveKey(password: "hunter2", salt: card.salt)
    card.impostorKey = [UInt8](repeating: 9, count: 16)
    let session = OATHSession(connection: card, label: "k")
    let selection = try session.select()
    #expect(throws: OATHError.cardNotAuthentic(key: "k")) {
      try session.validate(
        key: OATHPassword.deriveKey(password: "hunter2", salt: selection.salt), selection: selection
      )
    }
  }

  @Test func putPadsTheSecretAndMarksTouch() throws {
    let card = ScriptedCard([[0x90, 0x00]])
    try OATHSession(connection: card, label: "k").put(
      name: "n", secret: [1, 2, 3], requireTouch: true)
    let sent = card.sent[0]
    #expect(Array(sent.prefix(4)) == [0, 0x01, 0, 0])
    #expect(
      Array(sent[5...]) == [0x71, 1, 0x6E, 0x73, 16, 0x21, 6, 1, 2, 3]
        + [UInt8](repeating: 0, count: 11) + [0x78, 0x02])
  }

  @Test func remembersTheDerivedKeyNotThePassword() throws {
    let card = key([.init(name: "Amazon Web Services:alice", secret: Self.rfcSecret)])
    card.passwordKey = OATHPassword.deriveKey(password: "hunter2", salt: card.salt)
    let store = MemoryStore()
    var asked = 0
    var peers = YubiKeyCodeSource.Peers(store: store)
    peers.directory = { () throws(CardError) in FakeDirectory([("r", card)]) }
    peers.askPassword = { _ in
      asked += 1
      return "hunter2"
    }
    peers.now = { 59 }
    let profile = try Self.profile()
    for _ in 0..<2 {
      guard case .found(let found) = try YubiKeyCodeSource.locate(profile: profile, peers: peers)
      else {
        Issue.record("no key found")
        return
      }
      #expect(try YubiKeyCodeSource.using(found, peers: peers).calculate(at: 59) == "287082")
    }
    #expect(asked == 1)
    let stored = store.entries.values.map(\.0)
    #expect(stored == [Hex.encode(card.passwordKey ?? [])])
  }

  static func profile(_ extra: String = "") throws -> ResolvedProfile {
    try makeConfig(
      "[profile p]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n" + extra,
      "[p]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"
    ).resolve("p")
  }
}
