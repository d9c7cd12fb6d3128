/// What SELECT tells about the OATH applet.
package struct OATHSelection: Sendable, Equatable {
  /// Firmware version, e.g. [5, 4, 3].
  package var version: [UInt8]
  /// The applet's salt: PBKDF2 salt of its password and source of its device id.
  package var salt: [UInt8]
  /// The card's challenge; present only when a password is set.
  package var challenge: [UInt8]?
  /// Hash algorithm of the password key.
  package var algorithm: OATHAlgorithm

  /// Whether CALCULATE and LIST need VALIDATE first.
  package var isLocked: Bool { challenge != nil }
}

/// A YKOATH conversation with one card: SELECT first, then the other commands. VALIDATE and PUT,
/// which need HMAC and hashing, are added by AWSMFACore (this module links no cryptography).
package final class OATHSession {
  package static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01]
  // Instructions and tags of the YKOATH specification.
  package static let put: UInt8 = 0x01, delete: UInt8 = 0x02, list: UInt8 = 0xA1,
    calculate: UInt8 = 0xA2
  package static let validate: UInt8 = 0xA3, calculateAll: UInt8 = 0xA4
  package static let tagName: UInt8 = 0x71, tagNameList: UInt8 = 0x72, tagKey: UInt8 = 0x73
  package static let tagChallenge: UInt8 = 0x74, tagResponse: UInt8 = 0x75,
    tagTruncated: UInt8 = 0x76
  package static let tagHOTP: UInt8 = 0x77, tagProperty: UInt8 = 0x78, tagVersion: UInt8 = 0x79
  package static let tagAlgorithm: UInt8 = 0x7B, tagTouch: UInt8 = 0x7C

  package let transport: APDUTransport
  /// A name for the key in messages (serial or reader).
  package var label: String
  /// Random bytes for our half of the mutual challenge (fixed in tests).
  package var randomBytes: (Int) -> [UInt8] = { count in
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
  }

  package init(connection: any CardConnection, label: String) {
    transport = APDUTransport(connection: connection, remainingInstruction: 0xA5)
    self.label = label
  }

  /// Selects the applet; `.appletMissing` when the card has none.
  package func select() throws(OATHError) -> OATHSelection {
    let response = try send(APDU(ins: 0xA4, p1: 0x04, data: Self.aid), "SELECT")
    if response.status == 0x6A82 || response.status == 0x6D00 {
      throw .appletMissing(reader: label)
    }
    let items = try check(response, "SELECT")
    guard let salt = items.first(Self.tagName) else { throw .malformed("SELECT names no salt") }
    let algorithm = items.first(Self.tagAlgorithm)?.first.flatMap(OATHAlgorithm.init) ?? .sha1
    return OATHSelection(
      version: items.first(Self.tagVersion) ?? [], salt: salt,
      challenge: items.first(Self.tagChallenge),
      algorithm: algorithm)
  }

  /// Every credential id with its type and algorithm.
  package func list() throws(OATHError) -> [(
    name: OATHName, type: OATHType, algorithm: OATHAlgorithm
  )] {
    let items = try check(send(APDU(ins: Self.list), "LIST"), "LIST")
    return try items.filter { $0.tag == Self.tagNameList }.map { (item) throws(OATHError) in
      guard let head = item.value.first, let type = OATHType(rawValue: head & 0xF0),
        let algorithm = OATHAlgorithm(rawValue: head & 0x0F)
      else { throw .malformed("LIST has an unknown credential type") }
      return (OATHName(String(decoding: item.value.dropFirst(), as: UTF8.self)), type, algorithm)
    }
  }

  /// Every credential with, for TOTP without touch, its code for `challenge`.
  package func calculateAll(challenge: [UInt8]) throws(OATHError) -> [OATHEntry] {
    let data = TLV(Self.tagChallenge, challenge).bytes
    let items = try check(
      send(APDU(ins: Self.calculateAll, p2: 0x01, data: data), "CALCULATE ALL"), "CALCULATE ALL")
    var entries: [OATHEntry] = []
    var index = 0
    while index + 1 < items.count {
      let (nameItem, result) = (items[index], items[index + 1])
      index += 2
      guard nameItem.tag == Self.tagName else { throw .malformed("CALCULATE ALL lacks a name") }
      let name = OATHName(String(decoding: nameItem.value, as: UTF8.self))
      switch result.tag {
      case Self.tagTruncated:
        entries.append(
          OATHEntry(
            name: name, type: .totp, touch: false,
            code: try OATHCode.format(truncated: result.value)))
      case Self.tagTouch:
        entries.append(OATHEntry(name: name, type: .totp, touch: true, code: nil))
      case Self.tagHOTP:
        entries.append(OATHEntry(name: name, type: .hotp, touch: false, code: nil))
      default:
        entries.append(OATHEntry(name: name, type: .totp, touch: false, code: nil))
      }
    }
    return entries
  }

  /// The truncated code of credential `name` for `challenge` (blocks while a touch is awaited).
  package func calculate(name: String, challenge: [UInt8], touch: Bool = false) throws(OATHError)
    -> String
  {
    let data = TLV.encode([TLV(Self.tagName, Array(name.utf8)), TLV(Self.tagChallenge, challenge)])
    let response = try send(APDU(ins: Self.calculate, p2: 0x01, data: data), "CALCULATE")
    if response.status == 0x6982, touch { throw .touchTimeout(credential: name) }
    if response.status == 0x6984 { throw .noSuchCredential(name) }
    let items = try check(response, "CALCULATE")
    guard let value = items.first(Self.tagTruncated) else {
      throw .malformed("CALCULATE gave no truncated response")
    }
    return try OATHCode.format(truncated: value)
  }

  /// Removes the credential `name`.
  package func delete(name: String) throws(OATHError) {
    let response = try send(
      APDU(ins: Self.delete, data: TLV(Self.tagName, Array(name.utf8)).bytes), "DELETE")
    if response.status == 0x6984 { throw .noSuchCredential(name) }
    _ = try check(response, "DELETE")
  }

  package func send(_ apdu: APDU, _ command: String) throws(OATHError) -> APDUResponse {
    do {
      return try transport.send(apdu)
    } catch {
      throw .card(error)
    }
  }

  package func check(_ response: APDUResponse, _ command: String) throws(OATHError) -> [TLV] {
    if response.status == 0x6982 { throw .passwordRequired(key: label) }
    guard response.isSuccess else { throw .status(command: command, status: response.status) }
    do {
      return try TLV.decode(response.data)
    } catch {
      throw .malformed("\(command): \(error.description)")
    }
  }
}
