/// One BER-TLV item with a one-byte tag, as YKOATH and the Management applet use them.
package struct TLV: Sendable, Equatable {
  package var tag: UInt8
  package var value: [UInt8]

  package init(_ tag: UInt8, _ value: [UInt8] = []) {
    self.tag = tag
    self.value = value
  }

  /// Tag, length (1, 2 or 3 bytes: `n`, `81 n`, `82 hi lo`) and value.
  package var bytes: [UInt8] {
    var out = [tag]
    let count = value.count
    if count < 0x80 {
      out.append(UInt8(count))
    } else if count <= 0xFF {
      out += [0x81, UInt8(count)]
    } else {
      out += [0x82, UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
    }
    return out + value
  }

  /// Encodes `items` one after another.
  package static func encode(_ items: [TLV]) -> [UInt8] {
    items.flatMap(\.bytes)
  }

  /// Parses a sequence of items, in order (tags may repeat, as in LIST and CALCULATE ALL).
  package static func decode(_ bytes: [UInt8]) throws(CardError) -> [TLV] {
    var items: [TLV] = []
    var index = 0
    func next() throws(CardError) -> UInt8 {
      guard index < bytes.count else { throw .malformed("a TLV item is cut short") }
      defer { index += 1 }
      return bytes[index]
    }
    while index < bytes.count {
      let tag = try next()
      var length = Int(try next())
      switch length {
      case 0x81:
        length = Int(try next())
      case 0x82:
        length = Int(try next()) << 8
        length |= Int(try next())
      case 0x80...:
        throw .malformed("TLV length byte 0x\(String(length, radix: 16)) is not supported")
      default:
        break
      }
      guard bytes.count - index >= length else { throw .malformed("a TLV value is cut short") }
      items.append(TLV(tag, Array(bytes[index..<index + length])))
      index += length
    }
    return items
  }
}

extension Array where Element == TLV {
  /// The value of the first item tagged `tag`.
  package func first(_ tag: UInt8) -> [UInt8]? {
    first { $0.tag == tag }?.value
  }
}
