/// The applet's password arithmetic: key derivation, HMAC and secret shaping.
package enum OATHPassword {
  /// The 16-byte key the applet stores: PBKDF2-HMAC-SHA1, 1000 rounds, over the applet's salt.
  package static func deriveKey(password: String, salt: [UInt8]) -> [UInt8] {
    // Fixed by the YKOATH specification.
    Digest.pbkdf2SHA1(password: Array(password.utf8), salt: salt, rounds: 1000, length: 16)
  }

  /// HMAC of `message` under `key` with the applet's algorithm.
  package static func hmac(_ algorithm: OATHAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
    Digest.hmac(algorithm.digest, key: key, message: message)
  }

  /// A secret as PUT sends it: hashed when longer than the block size, padded to 14 bytes.
  package static func shortenSecret(_ secret: [UInt8], _ algorithm: OATHAlgorithm) -> [UInt8] {
    var key = secret
    if key.count > algorithm.blockSize {
      key = Digest.hash(algorithm.digest, key)
    }
    return key + [UInt8](repeating: 0, count: max(0, 14 - key.count))
  }
}

/// Standard base64, for the device id (no Foundation needed).
enum Base64 {
  static func encode(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var index = 0
    while index < bytes.count {
      let chunk = bytes[index..<min(index + 3, bytes.count)]
      let value = chunk.enumerated().reduce(UInt32(0)) {
        $0 | UInt32($1.element) << (16 - 8 * $1.offset)
      }
      for position in 0..<4 {
        out.append(
          position <= chunk.count ? alphabet[Int(value >> (18 - 6 * position) & 0x3F)] : "=")
      }
      index += 3
    }
    return out
  }
}

extension OATHAlgorithm {
  /// The digest the applet computes with.
  var digest: Digest.Algorithm {
    switch self {
    case .sha1: return .sha1
    case .sha256: return .sha256
    case .sha512: return .sha512
    }
  }
}
