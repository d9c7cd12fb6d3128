/// What a cached key holds, named in its description so `list` needs no secret read.
package struct SessionIdentity: Sendable, Equatable, Hashable {
  /// The kind of key.
  package enum Kind: String, Sendable {
    /// A GetSessionToken session of a source profile and MFA device.
    case session
    /// AssumeRole credentials of a role profile.
    case role
    /// The last TOTP time step sent for an MFA device.
    case step
    /// The derived OATH password key of a YubiKey.
    case oathkey
    /// A profile's resolution, for the cached `env` (`ResolutionMemo`); no secret.
    case resolution
  }

  package var kind: Kind
  /// The profile the key belongs to (source profile for sessions).
  package var profile: String
  /// The MFA device serial, or `-` when none.
  package var device: String
  /// A hash of everything else that must match for the key to apply (access key id, role ARN…).
  package var fingerprint: String

  package init(kind: Kind, profile: String, device: String, fingerprint: String) {
    self.kind = kind
    self.profile = profile
    self.device = device
    self.fingerprint = fingerprint
  }

  static let prefix = "awsmfa;v1;"

  /// The key description: `awsmfa;v1;KIND;PROFILE;DEVICE;FINGERPRINT`, fields percent-encoded.
  package var keyDescription: String {
    Self.prefix
      + [kind.rawValue, profile, device, fingerprint].map(Self.encode).joined(separator: ";")
  }

  /// Parses a description written by `keyDescription`; nil for anybody else's key.
  package init?(keyDescription: String) {
    guard keyDescription.hasPrefix(Self.prefix) else { return nil }
    let fields = keyDescription.dropFirst(Self.prefix.count).split(
      separator: ";", omittingEmptySubsequences: false)
    guard fields.count == 4, let kind = Kind(rawValue: String(fields[0])),
      let profile = Self.decode(fields[1]), let device = Self.decode(fields[2]),
      let fingerprint = Self.decode(fields[3])
    else { return nil }
    self.init(kind: kind, profile: profile, device: device, fingerprint: fingerprint)
  }

  static func encode(_ field: String) -> String {
    var out = ""
    for byte in field.utf8 {
      if byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "%") {
        out += "%" + hex(byte)
      } else {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      }
    }
    return out
  }

  static func decode(_ field: Substring) -> String? {
    var bytes: [UInt8] = []
    var iterator = Array(field.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == UInt8(ascii: "%") {
        guard let high = iterator.next(), let low = iterator.next(),
          let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
        else { return nil }
        bytes.append(value)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
  }
}

/// A short non-cryptographic digest of cache-relevant settings (FNV-1a, 64 bit).
package enum Fingerprint {
  /// The digest of `parts`, joined unambiguously, as 16 hex digits.
  package static func of(_ parts: [String]) -> String {
    var hash = fnv1aBasis
    for part in parts { hash = fnv1a(part.utf8 + [0], from: hash) }
    let text = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - text.count) + text
  }

  /// FNV-1a's offset basis, where a digest starts.
  package static let fnv1aBasis: UInt64 = 0xcbf2_9ce4_8422_2325

  /// FNV-1a (64 bit) of `bytes`, continuing from `hash`.
  package static func fnv1a<Bytes: Sequence>(_ bytes: Bytes, from hash: UInt64 = fnv1aBasis)
    -> UInt64 where Bytes.Element == UInt8
  {
    var hash = hash
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}
