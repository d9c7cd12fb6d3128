import AWSMFACore
import Testing

/// libcrypto through `Digest`, held to the published test vectors.
@Suite struct DigestTests {
  func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
  }

  @Test func hashesMatchFIPS180() {
    let abc = Array("abc".utf8)
    #expect(hex(Digest.hash(.sha1, abc)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    #expect(
      hex(Digest.sha256(abc))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(hex(Digest.hash(.sha512, abc)).hasPrefix("ddaf35a193617abacc417349ae204131"))
  }

  @Test func hmacMatchesRFC4231() {
    let key = [UInt8](repeating: 0x0b, count: 20)
    let mac = Digest.hmac(.sha256, key: key, message: Array("Hi There".utf8))
    #expect(hex(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
  }

  @Test func pbkdf2MatchesRFC6070() {
    let key = Digest.pbkdf2SHA1(
      password: Array("password".utf8), salt: Array("salt".utf8), rounds: 4096, length: 20)
    #expect(hex(key) == "4b007901b765489abead49d926f721d065a429c1")
  }
}
