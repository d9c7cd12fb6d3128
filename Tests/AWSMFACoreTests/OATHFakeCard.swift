import Foundation

@testable import AWSMFACard
@testable import AWSMFACore

/// A YubiKey 5 in memory: the OATH and Management applets, enough to test the client against.
final class FakeYubiKey: CardConnection {
  struct Credential {
    var name: String
    var secret: [UInt8]
    var algorithm: OATHAlgorithm = .sha1
    var digits: UInt8 = 6
    var touch = false
    var hotp = false
  }

  var credentials: [Credential] = []
  var serial: UInt32 = 12_345_678
  var salt: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
  var passwordKey: [UInt8]?
  /// Answer VALIDATE with a response made from this key instead (an impostor card).
  var impostorKey: [UInt8]?
  var hasOATH = true
  var touched = true
  var maxResponse = 255
  /// Every command APDU received.
  var log: [[UInt8]] = []

  private var selected = ""
  private var challenge: [UInt8]?
  private var validated = false
  private var pending: [UInt8] = []

  func transmit(_ apdu: [UInt8]) throws(CardError) -> [UInt8] {
    log.append(apdu)
    let ins = apdu[1]
    let data = apdu.count > 5 ? Array(apdu[5...]) : []
    if ins == 0xA5 || ins == 0xC0 { return chunk(pending) }
    switch (ins, selected) {
    case (0xA4, _) where apdu[2] == 0x04:
      if data == Management.aid {
        selected = "mgmt"
        return chunk(Array("5.4.3".utf8))
      }
      guard hasOATH, data == OATHSession.aid else { return [0x6A, 0x82] }
      selected = "oath"
      validated = false
      var out = TLV.encode([TLV(0x79, [5, 4, 3]), TLV(0x71, salt)])
      if passwordKey != nil {
        challenge = (0..<8).map { _ in UInt8.random(in: 0...255) }
        out += TLV.encode([TLV(0x74, challenge ?? []), TLV(0x7B, [1])])
      }
      return chunk(out)
    case (0x1D, "mgmt"):
      let info = TLV.encode([TLV(0x02, withUnsafeBytes(of: serial.bigEndian) { Array($0) })])
      return chunk([UInt8(info.count)] + info)
    case (0xA3, "oath"):
      let items = try TLV.decode(data)
      guard let key = passwordKey, let challenge, let response = items.first(0x75),
        response == OATHPassword.hmac(.sha1, key: key, message: challenge),
        let theirs = items.first(0x74)
      else { return [0x69, 0x84] }
      validated = true
      return chunk(
        TLV(0x75, OATHPassword.hmac(.sha1, key: impostorKey ?? key, message: theirs)).bytes)
    case (_, "oath"):
      if passwordKey != nil, !validated { return [0x69, 0x82] }
      return try oath(ins, data)
    default:
      return [0x6D, 0x00]
    }
  }

  private func oath(_ ins: UInt8, _ data: [UInt8]) throws(CardError) -> [UInt8] {
    let items = try TLV.decode(data)
    switch ins {
    case 0xA1:
      return chunk(
        credentials.flatMap {
          TLV(0x72, [($0.hotp ? 0x10 : 0x20) | $0.algorithm.rawValue] + Array($0.name.utf8)).bytes
        })
    case 0xA2:
      guard let credential = credentials.first(where: { Array($0.name.utf8) == items.first(0x71) })
      else {
        return [0x69, 0x84]
      }
      if credential.touch, !touched { return [0x69, 0x82] }
      return chunk(TLV(0x76, truncated(credential, items.first(0x74) ?? [])).bytes)
    case 0xA4:
      let challenge = items.first(0x74) ?? []
      return chunk(
        credentials.flatMap { credential -> [UInt8] in
          let result: TLV =
            credential.hotp
            ? TLV(0x77, [credential.digits])
            : credential.touch
              ? TLV(0x7C, [credential.digits]) : TLV(0x76, truncated(credential, challenge))
          return TLV(0x71, Array(credential.name.utf8)).bytes + result.bytes
        })
    default:
      return [0x6D, 0x00]
    }
  }

  private func truncated(_ credential: Credential, _ challenge: [UInt8]) -> [UInt8] {
    let digest = OATHPassword.hmac(credential.algorithm, key: credential.secret, message: challenge)
    let offset = Int(digest[digest.count - 1] & 0x0F)
    return [credential.digits] + Array(digest[offset..<offset + 4])
  }

  private func chunk(_ response: [UInt8]) -> [UInt8] {
    guard response.count > maxResponse else {
      pending = []
      return response + [0x90, 0x00]
    }
    pending = Array(response[maxResponse...])
    return Array(response[..<maxResponse]) + [0x61, UInt8(min(pending.count, 0xFF) & 0xFF)]
  }
}

/// Readers with fake cards; nil is an empty reader, and a name in `held` is held exclusively.
final class FakeDirectory: CardDirectory {
  var cards: [(String, FakeYubiKey?)]
  var held: Set<String> = []

  init(_ cards: [(String, FakeYubiKey?)]) { self.cards = cards }

  func readers() throws(CardError) -> [String] { cards.map(\.0) }

  func connect(_ reader: String) throws(CardError) -> any CardConnection {
    if held.contains(reader) { throw .sharingViolation(reader: reader) }
    guard let card = cards.first(where: { $0.0 == reader })?.1 else {
      throw .noCard(reader: reader)
    }
    return card
  }
}
