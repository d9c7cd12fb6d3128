/// Temporary AWS credentials with their expiry, as cached and as exported.
package struct SessionCredentials: Sendable, Equatable {
  package var accessKeyId: String
  package var secretAccessKey: String
  package var sessionToken: String
  /// Expiry in seconds since the epoch.
  package var expiration: Int64

  package init(
    accessKeyId: String, secretAccessKey: String, sessionToken: String, expiration: Int64
  ) {
    self.accessKeyId = accessKeyId
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
    self.expiration = expiration
  }

  /// The small JSON object stored as the key's payload.
  package var payload: String {
    "{\"AccessKeyId\":" + JSONText.quote(accessKeyId) + ",\"SecretAccessKey\":"
      + JSONText.quote(secretAccessKey) + ",\"SessionToken\":" + JSONText.quote(sessionToken)
      + ",\"Expiration\":\(expiration)}"
  }

  /// Reads a payload written by `payload`; nil when it is anything else.
  package init?(payload: String) {
    var id: String?
    var secret: String?
    var token: String?
    var expiration: Int64?
    let complete = JSONText.forEachField(payload) { key, value in
      switch (key, value) {
      case ("AccessKeyId", .string(let text)): id = text
      case ("SecretAccessKey", .string(let text)): secret = text
      case ("SessionToken", .string(let text)): token = text
      case ("Expiration", .number(let number)): expiration = number
      default: break
      }
    }
    guard complete, let id, let secret, let token, let expiration else { return nil }
    self.init(accessKeyId: id, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    // Checked on the way in too; a key that fails is somebody else's, or damaged: a miss.
    guard shapeProblem == nil else { return nil }
  }

  /// Why the values do not have the shape AWS documents, naming the field but never its value;
  /// nil when they do. Keys are 16–128 upper-case letters and digits; secrets and tokens are
  /// base64 text (`A–Z a–z 0–9 + / =`, and `-`/`_` of the URL-safe alphabet).
  package var shapeProblem: String? {
    if !Self.fits(accessKeyId, 16...128, Self.isKeyIdByte) {
      return "AccessKeyId is not 16 to 128 upper-case letters and digits"
    }
    if !Self.fits(secretAccessKey, 16...256, Self.isBase64Byte) {
      return "SecretAccessKey is not 16 to 256 characters of base64 text"
    }
    if !Self.fits(sessionToken, 16...16384, Self.isBase64Byte) {
      return "SessionToken is not 16 to 16384 characters of base64 text"
    }
    return nil
  }

  static func fits(_ value: String, _ length: ClosedRange<Int>, _ allowed: (UInt8) -> Bool) -> Bool
  {
    length.contains(value.utf8.count) && value.utf8.allSatisfy(allowed)
  }

  static func isKeyIdByte(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte)
  }

  static func isBase64Byte(_ byte: UInt8) -> Bool {
    isKeyIdByte(byte) || (97...122).contains(byte) || byte == UInt8(ascii: "+")
      || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "_")
  }
}
