import AWSMFACard

// The OATH operations that need cryptography (swift-crypto), kept out of the card module so the
// front binary can read codes without linking it.

extension OATHSelection {
  /// The id ykman shows: base64 of the first 16 bytes of SHA-256(salt), without padding.
  package var deviceID: String {
    let digest = Array(Digest.sha256(salt).prefix(16))
    return String(Base64.encode(digest).filter { $0 != "=" })
  }
}

extension OATHSession {
  /// Unlocks the applet with the derived password `key`, and checks that the card knows it too.
  package func validate(key: [UInt8], selection: OATHSelection) throws(OATHError) {
    guard let challenge = selection.challenge else { return }
    let ours = randomBytes(8)
    let data = TLV.encode([
      TLV(Self.tagResponse, OATHPassword.hmac(selection.algorithm, key: key, message: challenge)),
      TLV(Self.tagChallenge, ours),
    ])
    let response = try send(APDU(ins: Self.validate, data: data), "VALIDATE")
    // 6984 is the specification's "wrong response"; some firmware answers 6A80.
    if response.status == 0x6984 || response.status == 0x6A80 { throw .wrongPassword(key: label) }
    let items = try check(response, "VALIDATE")
    let expected = OATHPassword.hmac(selection.algorithm, key: key, message: ours)
    guard let answer = items.first(Self.tagResponse), Digest.equal(answer, expected) else {
      throw .cardNotAuthentic(key: label)
    }
  }

  /// Stores a credential (replacing one of the same name).
  package func put(
    name: String, type: OATHType = .totp, algorithm: OATHAlgorithm = .sha1, digits: Int = 6,
    secret: [UInt8], requireTouch: Bool = false
  ) throws(OATHError) {
    var data = TLV.encode([
      TLV(Self.tagName, Array(name.utf8)),
      TLV(
        Self.tagKey,
        [type.rawValue | algorithm.rawValue, UInt8(clamping: digits)]
          + OATHPassword.shortenSecret(secret, algorithm)),
    ])
    // The property tag is the one item without a length byte.
    if requireTouch { data += [Self.tagProperty, 0x02] }
    _ = try check(send(APDU(ins: Self.put, data: data), "PUT"), "PUT")
  }

}
