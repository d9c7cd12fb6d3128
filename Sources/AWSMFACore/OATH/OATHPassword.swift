import Crypto
import _CryptoExtras

/// The applet's password arithmetic: key derivation, HMAC and secret shaping.
public enum OATHPassword {
  /// The 16-byte key the applet stores: PBKDF2-HMAC-SHA1, 1000 rounds, over the applet's salt.
  public static func deriveKey(password: String, salt: [UInt8]) -> [UInt8] {
    // Fixed by the YKOATH specification; the strength check of the safe entry point does not apply.
    let key = try? KDF.Insecure.PBKDF2.deriveKey(
      from: Array(password.utf8), salt: salt, using: .insecureSHA1, outputByteCount: 16,
      unsafeUncheckedRounds: 1000)
    return key.map { $0.withUnsafeBytes { Array($0) } } ?? []
  }

  /// HMAC of `message` under `key` with the applet's algorithm.
  public static func hmac(_ algorithm: OATHAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
    let symmetric = SymmetricKey(data: key)
    switch algorithm {
    case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetric))
    case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetric))
    case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetric))
    }
  }

  /// Compares two MACs without stopping at the first difference.
  public static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }

  /// A secret as PUT sends it: hashed when longer than the block size, padded to 14 bytes.
  public static func shortenSecret(_ secret: [UInt8], _ algorithm: OATHAlgorithm) -> [UInt8] {
    var key = secret
    if key.count > algorithm.blockSize {
      switch algorithm {
      case .sha1: key = Array(Insecure.SHA1.hash(data: key))
      case .sha256: key = Array(SHA256.hash(data: key))
      case .sha512: key = Array(SHA512.hash(data: key))
      }
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
