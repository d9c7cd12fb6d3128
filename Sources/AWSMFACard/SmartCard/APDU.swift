/// A command APDU (ISO 7816-4), short form unless its data needs the extended form.
package struct APDU: Sendable, Equatable {
  package var cla: UInt8
  package var ins: UInt8
  package var p1: UInt8
  package var p2: UInt8
  package var data: [UInt8]

  package init(cla: UInt8 = 0, ins: UInt8, p1: UInt8 = 0, p2: UInt8 = 0, data: [UInt8] = []) {
    self.cla = cla
    self.ins = ins
    self.p1 = p1
    self.p2 = p2
    self.data = data
  }

  /// The bytes on the wire: header, Lc and data when there is data, and no Le (the card sends all).
  package var bytes: [UInt8] {
    var out = [cla, ins, p1, p2]
    if data.isEmpty { return out }
    if data.count <= 255 {
      out.append(UInt8(data.count))
    } else {
      out += [0, UInt8(truncatingIfNeeded: data.count >> 8), UInt8(truncatingIfNeeded: data.count)]
    }
    return out + data
  }
}

/// A response APDU: data and the status word.
package struct APDUResponse: Sendable, Equatable {
  package var data: [UInt8]
  package var status: UInt16

  package init(data: [UInt8], status: UInt16) {
    self.data = data
    self.status = status
  }

  /// Splits raw response bytes into data and SW1 SW2.
  package init(raw: [UInt8]) throws(CardError) {
    guard raw.count >= 2 else {
      throw .malformed("a response of \(raw.count) byte(s) has no status word")
    }
    data = Array(raw.dropLast(2))
    status = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
  }

  /// Whether the command succeeded (9000).
  package var isSuccess: Bool { status == 0x9000 }
}

/// Sends APDUs over a connection and gathers chained responses (SW 61xx) with a follow-up
/// command, so no command has to care how many pieces its answer came in.
package struct APDUTransport {
  package let connection: any CardConnection
  /// The instruction fetching the rest of a response: SEND REMAINING (A5) for OATH,
  /// GET RESPONSE (C0) for ISO applets such as Management.
  package var remainingInstruction: UInt8

  package init(connection: any CardConnection, remainingInstruction: UInt8 = 0xA5) {
    self.connection = connection
    self.remainingInstruction = remainingInstruction
  }

  /// Sends `apdu` and returns the whole response with the final status word.
  package func send(_ apdu: APDU) throws(CardError) -> APDUResponse {
    var response = try APDUResponse(raw: connection.transmit(apdu.bytes))
    var data = response.data
    var rounds = 0
    while response.status >> 8 == 0x61 {
      rounds += 1
      // A card that never stops chaining would otherwise keep us here forever.
      guard rounds <= 256 else { throw .malformed("the card kept chaining its response") }
      response = try APDUResponse(raw: connection.transmit(APDU(ins: remainingInstruction).bytes))
      data += response.data
    }
    return APDUResponse(data: data, status: response.status)
  }
}
