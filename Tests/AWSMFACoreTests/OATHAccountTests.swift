import AWSMFAKit
import Testing

@testable import AWSMFACard
@testable import AWSMFACore

@Suite struct OATHAccountTests {
  static let arn = "arn:aws:iam::123456789012:mfa/alice"
  static let names = [
    "Amazon Web Services:alice@acme", "GitHub:alice", "Amazon Web Services:alicex", "60/Work:alice",
    "Amazon Web Services:bob", "arn:aws:iam::123456789012:mfa/carol", "Amazon Web Services:dave@a",
    "Amazon Web Services:dave@b", "Amazon Web Services:erin",
  ].map(OATHName.init)

  @Test(
    arguments: [
      // awsmfa_oath_account: exact, with or without the period prefix; nothing else is tried.
      ("Work:alice", arn, AccountMatch.Outcome.found(OATHName("60/Work:alice"))),
      ("60/Work:alice", arn, .found(OATHName("60/Work:alice"))),
      ("GitHub:ali", arn, .none),
      ("missing", arn, .none),
      // a credential named like mfa_serial
      (
        nil, "arn:aws:iam::123456789012:mfa/carol",
        .found(OATHName("arn:aws:iam::123456789012:mfa/carol"))
      ),
      // issuer Amazon Web Services and account NAME or NAME@…; never a substring, never GitHub
      (nil, arn, .found(OATHName("Amazon Web Services:alice@acme"))),
      (nil, "arn:aws:iam::1:mfa/bob", .found(OATHName("Amazon Web Services:bob"))),
      (nil, "arn:aws:iam::1:mfa/path/erin", .found(OATHName("Amazon Web Services:erin"))),
      (
        nil, "arn:aws:iam::1:mfa/dave",
        .several(["Amazon Web Services:dave@a", "Amazon Web Services:dave@b"])
      ),
      (nil, "arn:aws:iam::1:mfa/ali", .none),
      (nil, "arn:aws:iam::1:mfa/frank", .none),
      (nil, nil, .none),
    ] as [(String?, String?, AccountMatch.Outcome)])
  func matching(oathAccount: String?, mfaSerial: String?, expected: AccountMatch.Outcome) {
    #expect(
      AccountMatch.match(Self.names, oathAccount: oathAccount, mfaSerial: mfaSerial) == expected)
  }

  @Test(
    arguments: [
      ("Amazon Web Services:alice@acme", 30, "Amazon Web Services", "alice@acme"),
      ("60/GitHub:bob", 60, "GitHub", "bob"), ("plain", 30, nil, "plain"),
      ("x/y:z", 30, "x/y", "z"),
    ] as [(String, Int, String?, String)])
  func names(raw: String, period: Int, issuer: String?, account: String) {
    let name = OATHName(raw)
    #expect(name.period == period && name.issuer == issuer && name.account == account)
  }

  func card(_ serial: UInt32, _ names: [String]) -> FakeYubiKey {
    let card = FakeYubiKey()
    card.serial = serial
    card.credentials = names.map { .init(name: $0, secret: Array("12345678901234567890".utf8)) }
    return card
  }

  func locate(_ directory: FakeDirectory, _ extra: String = "") throws -> KeyLocator.Lookup {
    var peers = YubiKeyCodeSource.Peers(store: nil)
    peers.directory = { () throws(CardError) in directory }
    peers.askPassword = { _ in nil }
    peers.now = { 59 }
    return try YubiKeyCodeSource.locate(profile: OATHSessionTests.profile(extra), peers: peers)
  }

  @Test func skipsEmptyReadersAndCardsWithoutOATH() throws {
    let other = FakeYubiKey()
    other.hasOATH = false
    let directory = FakeDirectory([
      ("empty", nil), ("smartcard", other), ("yubikey", card(1, ["Amazon Web Services:alice"])),
    ])
    guard case .found(let key) = try locate(directory) else {
      Issue.record("not found")
      return
    }
    #expect(key.reader == "yubikey")
    #expect(key.entry.code == "287082")
  }

  @Test func serialPicksTheKeyAndSeveralKeysAreAnError() throws {
    let directory = FakeDirectory([
      ("a", card(1, ["Amazon Web Services:alice"])), ("b", card(2, ["Amazon Web Services:alice"])),
    ])
    guard case .found(let key) = try locate(directory, "awsmfa_yubikey_serial = 2\n") else {
      Issue.record("not found")
      return
    }
    #expect(key.serial == 2)
    #expect(
      throws: OATHError.severalKeys(account: "Amazon Web Services:alice", serials: ["1", "2"])
    ) {
      try locate(directory)
    }
    guard
      case .absent(.serialNotFound(serial: "3", found: ["1", "2"])) = try locate(
        directory, "awsmfa_yubikey_serial = 3\n")
    else {
      Issue.record("expected serialNotFound")
      return
    }
  }

  @Test func absenceIsReportedNotThrown() throws {
    guard case .absent(.card(.noReaders)) = try locate(FakeDirectory([])) else {
      Issue.record("readers")
      return
    }
    guard case .absent(.noYubiKey) = try locate(FakeDirectory([("empty", nil)])) else {
      Issue.record("key")
      return
    }
    guard
      case .absent(.accountNotFound(_, let candidates)) = try locate(
        FakeDirectory([("a", card(1, ["GitHub:alice"]))]))
    else {
      Issue.record("account")
      return
    }
    #expect(candidates == ["GitHub:alice"])
  }

  @Test func aHeldCardIsAnErrorNamingScdaemon() throws {
    let directory = FakeDirectory([("a", card(1, ["Amazon Web Services:alice"]))])
    directory.held = ["a"]
    #expect(throws: OATHError.card(.sharingViolation(reader: "a"))) { try locate(directory) }
    #expect(
      CardError.sharingViolation(reader: "a").hint?.contains("gpgconf --kill scdaemon") == true)
  }
}
