import COpenSSL

/// The hashes awsmfa needs — SHA-256 and HMAC-SHA-256 for SigV4; SHA-1/256/512, their HMACs and
/// PBKDF2-HMAC-SHA1 for YKOATH. The hash functions are the system libcrypto's own block
/// functions (`SHA256_Init`…), which OpenSSL 3 runs directly: its EVP interface would first load
/// and register every algorithm of the default provider, which costs a cold `env` over 2 MB of
/// memory for three hashes. HMAC (RFC 2104) and PBKDF2 (RFC 8018) are the few lines on top.
package enum Digest {
  package enum Algorithm: Sendable {
    case sha1, sha256, sha512

    /// The hash function's input block size, in bytes (HMAC pads its key to it).
    var blockSize: Int { self == .sha512 ? 128 : 64 }
  }

  /// The digest of `data`.
  package static func hash(_ algorithm: Algorithm, _ data: [UInt8]) -> [UInt8] {
    hash(algorithm, parts: [data])
  }

  /// The digest of the concatenation of `parts`.
  static func hash(_ algorithm: Algorithm, parts: [[UInt8]]) -> [UInt8] {
    switch algorithm {
    case .sha1:
      var context = SHA_CTX()
      return run(&context, SHA_DIGEST_LENGTH, parts, SHA1_Init, SHA1_Update, SHA1_Final)
    case .sha256:
      var context = SHA256_CTX()
      return run(&context, SHA256_DIGEST_LENGTH, parts, SHA256_Init, SHA256_Update, SHA256_Final)
    case .sha512:
      var context = SHA512_CTX()
      return run(&context, SHA512_DIGEST_LENGTH, parts, SHA512_Init, SHA512_Update, SHA512_Final)
    }
  }

  /// One hash over `parts` with a block-level API's init, update and final functions.
  private static func run<Context>(
    _ context: inout Context, _ length: Int32, _ parts: [[UInt8]],
    _ start: (UnsafeMutablePointer<Context>?) -> Int32,
    _ update: (UnsafeMutablePointer<Context>?, UnsafeRawPointer?, Int) -> Int32,
    _ finish: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Context>?) -> Int32
  ) -> [UInt8] {
    _ = start(&context)
    for part in parts { _ = update(&context, part, part.count) }
    var out = [UInt8](repeating: 0, count: Int(length))
    _ = finish(&out, &context)
    return out
  }

  /// SHA-256 of `data`.
  package static func sha256(_ data: [UInt8]) -> [UInt8] { hash(.sha256, data) }

  /// HMAC of `message` under `key` (RFC 2104).
  package static func hmac(_ algorithm: Algorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
    let block = algorithm.blockSize
    var padded = key.count > block ? hash(algorithm, key) : key
    padded += [UInt8](repeating: 0, count: block - padded.count)
    let inner = hash(algorithm, parts: [padded.map { $0 ^ 0x36 }, message])
    return hash(algorithm, parts: [padded.map { $0 ^ 0x5c }, inner])
  }

  /// Whether two MACs or tokens are equal, in time that depends on their lengths only (never
  /// stopping at the first difference).
  package static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
  }

  /// PBKDF2 with HMAC-SHA1 (RFC 8018; the YKOATH password key).
  package static func pbkdf2SHA1(password: [UInt8], salt: [UInt8], rounds: Int, length: Int)
    -> [UInt8]
  {
    var out: [UInt8] = []
    var index: UInt32 = 1
    while out.count < length {
      let counter = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: index >> $0) }
      var block = hmac(.sha1, key: password, message: salt + counter)
      var chained = block
      for _ in 1..<max(rounds, 1) {
        chained = hmac(.sha1, key: password, message: chained)
        for position in block.indices { block[position] ^= chained[position] }
      }
      out += block
      index += 1
    }
    return Array(out.prefix(length))
  }
}
