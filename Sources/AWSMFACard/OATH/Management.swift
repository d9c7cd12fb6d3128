/// The YubiKey Management applet, for the serial number ykman reports.
package enum Management {
  package static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17]
  static let readConfig: UInt8 = 0x1D
  static let tagSerial: UInt8 = 0x02

  /// The key's serial from READ CONFIG; nil when the card has no Management applet or hides it.
  ///
  /// It leaves the Management applet selected: SELECT the OATH applet afterwards.
  package static func serial(_ connection: any CardConnection) throws(CardError) -> UInt32? {
    // Management is an ISO applet: it chains with GET RESPONSE, not SEND REMAINING.
    let transport = APDUTransport(connection: connection, remainingInstruction: 0xC0)
    guard try transport.send(APDU(ins: 0xA4, p1: 0x04, data: aid)).isSuccess else { return nil }
    let response = try transport.send(APDU(ins: readConfig))
    guard response.isSuccess, let length = response.data.first, response.data.count > Int(length)
    else {
      return nil
    }
    // The first byte is the length of the TLV list that follows.
    let items = try TLV.decode(Array(response.data[1...Int(length)]))
    guard let value = items.first(tagSerial), value.count == 4 else { return nil }
    return value.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
  }
}
