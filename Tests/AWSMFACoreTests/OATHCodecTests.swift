import Testing

@testable import AWSMFACard
@testable import AWSMFACore

/// A card that answers from a script, recording what it was sent.
final class ScriptedCard: CardConnection {
  var answers: [[UInt8]]
  var sent: [[UInt8]] = []
  init(_ answers: [[UInt8]]) { self.answers = answers }
  func transmit(_ apdu: [UInt8]) throws(CardError) -> [UInt8] {
    sent.append(apdu)
    guard !answers.isEmpty else { throw .removed(reader: "fake") }
    return answers.removeFirst()
  }
}

@Suite struct OATHCodecTests {
  @Test(arguments: [
    (0, [UInt8]([0x71, 0x00])), (127, [0x71, 0x7F]), (128, [0x71, 0x81, 0x80]),
    (255, [0x71, 0x81, 0xFF]), (256, [0x71, 0x82, 0x01, 0x00]), (1000, [0x71, 0x82, 0x03, 0xE8]),
  ])
  func tlvLengths(count: Int, header: [UInt8]) throws {
    let item = TLV(0x71, [UInt8](repeating: 7, count: count))
    #expect(Array(item.bytes.prefix(header.count)) == header)
    #expect(try TLV.decode(item.bytes) == [item])
  }

  @Test func tlvSequenceKeepsOrderAndRepeats() throws {
    let items = [TLV(0x71, [1]), TLV(0x76, [6, 0, 0, 0, 1]), TLV(0x71, [2]), TLV(0x7C, [6])]
    #expect(try TLV.decode(TLV.encode(items)) == items)
  }

  @Test(arguments: [
    [UInt8]([0x71]), [0x71, 0x05, 1, 2], [0x71, 0x82, 0x01], [0x71, 0x83, 0, 0, 1],
  ])
  func tlvCutShortIsAnError(bytes: [UInt8]) {
    #expect(throws: CardError.self) { try TLV.decode(bytes) }
  }

  @Test func apduEncodings() {
    #expect(APDU(ins: 0xA1).bytes == [0, 0xA1, 0, 0])
    #expect(APDU(ins: 0xA4, p1: 4, data: [1, 2]).bytes == [0, 0xA4, 4, 0, 2, 1, 2])
    let long = APDU(ins: 0x01, data: [UInt8](repeating: 0, count: 300)).bytes
    #expect(Array(long.prefix(7)) == [0, 1, 0, 0, 0, 0x01, 0x2C])
    #expect(long.count == 307)
  }

  @Test func chainedResponseIsGatheredWithSendRemaining() throws {
    let card = ScriptedCard([[1, 2, 0x61, 0x02], [3, 4, 0x61, 0x00], [5, 0x90, 0x00]])
    let response = try APDUTransport(connection: card).send(APDU(ins: 0xA1))
    #expect(response == APDUResponse(data: [1, 2, 3, 4, 5], status: 0x9000))
    #expect(card.sent == [[0, 0xA1, 0, 0], [0, 0xA5, 0, 0], [0, 0xA5, 0, 0]])
  }

  @Test func managementChainsWithGetResponse() throws {
    let card = ScriptedCard([[0x61, 0x01], [9, 0x90, 0x00]])
    _ = try APDUTransport(connection: card, remainingInstruction: 0xC0).send(APDU(ins: 0x1D))
    #expect(card.sent.last == [0, 0xC0, 0, 0])
  }

  @Test func responseWithoutStatusWordIsMalformed() {
    #expect(throws: CardError.self) {
      try APDUTransport(connection: ScriptedCard([[0x90]])).send(APDU(ins: 1))
    }
  }

  @Test(arguments: [
    (59 as Int64, 30, [UInt8]([0, 0, 0, 0, 0, 0, 0, 1])),
    (1_111_111_109, 30, [0, 0, 0, 0, 0x02, 0x35, 0x23, 0xEC]), (119, 60, [0, 0, 0, 0, 0, 0, 0, 1]),
  ])
  func challengeIsTheBigEndianStep(time: Int64, period: Int, expected: [UInt8]) {
    #expect(OATHCode.challenge(time: time, period: period) == expected)
  }

  @Test func truncatedCodesKeepLeadingZeros() throws {
    #expect(try OATHCode.format(truncated: [6, 0, 0, 0x01, 0x00]) == "000256")
    #expect(try OATHCode.format(truncated: [8, 0xFF, 0xFF, 0xFF, 0xFF]) == "47483647")
  }
}
