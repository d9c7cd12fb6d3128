import COpenSSL

/// The hashes awsmfa needs — SHA-256 and HMAC-SHA-256 for SigV4; SHA-1/256/512, their HMACs and
/// PBKDF2-HMAC-SHA1 for YKOATH — from the system's libcrypto (OpenSSL), not a second BoringSSL
/// compiled into the binary.
package enum Digest {
  package enum Algorithm: Sendable {
    case sha1, sha256, sha512

    var evp: OpaquePointer? {
      switch self {
      case .sha1: return EVP_sha1()
      case .sha256: return EVP_sha256()
      case .sha512: return EVP_sha512()
      }
    }
  }

  /// The digest of `data`.
  package static func hash(_ algorithm: Algorithm, _ data: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let done = EVP_Digest(data, data.count, &out, &length, algorithm.evp, nil)
    precondition(done == 1, "libcrypto refused a digest")
    return Array(out[0..<Int(length)])
  }

  /// SHA-256 of `data`.
  package static func sha256(_ data: [UInt8]) -> [UInt8] { hash(.sha256, data) }

  /// HMAC of `message` under `key`.
  package static func hmac(_ algorithm: Algorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let done = key.withUnsafeBytes { keyBytes in
      HMAC(
        algorithm.evp, keyBytes.baseAddress, Int32(key.count), message, message.count, &out, &length
      )
    }
    precondition(done != nil, "libcrypto refused an HMAC")
    return Array(out[0..<Int(length)])
  }

  /// Whether two MACs or tokens are equal, in time that depends on their lengths only (never
  /// stopping at the first difference).
  package static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }

  /// PBKDF2 with HMAC-SHA1 (the YKOATH password key).
  package static func pbkdf2SHA1(password: [UInt8], salt: [UInt8], rounds: Int, length: Int)
    -> [UInt8]
  {
    var out = [UInt8](repeating: 0, count: length)
    let done = password.withUnsafeBufferPointer { passwordBytes in
      passwordBytes.withMemoryRebound(to: CChar.self) { text in
        PKCS5_PBKDF2_HMAC_SHA1(
          text.baseAddress, Int32(password.count), salt, Int32(salt.count), Int32(rounds),
          Int32(length), &out)
      }
    }
    precondition(done == 1, "libcrypto refused PBKDF2")
    return out
  }
}
