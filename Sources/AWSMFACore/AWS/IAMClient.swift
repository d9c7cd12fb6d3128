import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// A virtual MFA device as CreateVirtualMFADevice returns it.
package struct VirtualMFADevice: Sendable, Equatable {
  /// The device's ARN, the `mfa_serial` of profiles that use it.
  package var serial: String
  /// The TOTP secret.
  package var secret: [UInt8]
}

/// One MFA device of a user, as ListMFADevices reports it.
package struct MFADeviceEntry: Sendable, Equatable {
  package var user: String
  package var serial: String
  package var enableDate: String?
}

/// The IAM calls device enrolment makes (a fake in unit tests). IAM errors come as `STSError`:
/// both services speak the same query protocol.
package protocol IAMService: Sendable {
  /// CreateVirtualMFADevice named `name`.
  func createVirtualMFADevice(name: String, signer: SigningCredentials) async throws(STSError)
    -> VirtualMFADevice
  /// EnableMFADevice with two consecutive codes.
  func enableMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials)
    async throws(STSError)
  /// ResyncMFADevice with two consecutive codes.
  func resyncMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials)
    async throws(STSError)
  /// DeactivateMFADevice (detaches it from the user).
  func deactivateMFADevice(user: String, serial: String, signer: SigningCredentials)
    async throws(STSError)
  /// DeleteVirtualMFADevice.
  func deleteVirtualMFADevice(serial: String, signer: SigningCredentials) async throws(STSError)
  /// ListMFADevices of `user`, every page.
  func listMFADevices(user: String, signer: SigningCredentials) async throws(STSError)
    -> [MFADeviceEntry]
  /// ListAccountAliases (at most one exists).
  func listAccountAliases(signer: SigningCredentials) async throws(STSError) -> [String]
}

/// IAM over a `QueryClient` (service "iam", version 2010-05-08).
package struct IAMClient: IAMService {
  package var client: QueryClient

  package init(client: QueryClient) {
    self.client = client
  }

  package func createVirtualMFADevice(name: String, signer: SigningCredentials)
    async throws(STSError)
    -> VirtualMFADevice
  {
    try IAMParse.virtualDevice(
      await client.call("CreateVirtualMFADevice", [("VirtualMFADeviceName", name)], signer: signer))
  }

  package func enableMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials
  )
    async throws(STSError)
  {
    try await sendCodes("EnableMFADevice", user: user, serial: serial, codes: codes, signer: signer)
  }

  package func resyncMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials
  )
    async throws(STSError)
  {
    try await sendCodes("ResyncMFADevice", user: user, serial: serial, codes: codes, signer: signer)
  }

  /// EnableMFADevice and ResyncMFADevice take the same two consecutive codes.
  private func sendCodes(
    _ action: String, user: String, serial: String, codes: (String, String),
    signer: SigningCredentials
  ) async throws(STSError) {
    _ = try await client.call(
      action,
      [
        ("UserName", user), ("SerialNumber", serial), ("AuthenticationCode1", codes.0),
        ("AuthenticationCode2", codes.1),
      ],
      signer: signer)
  }

  package func deactivateMFADevice(user: String, serial: String, signer: SigningCredentials)
    async throws(STSError)
  {
    _ = try await client.call(
      "DeactivateMFADevice", [("UserName", user), ("SerialNumber", serial)], signer: signer)
  }

  package func deleteVirtualMFADevice(serial: String, signer: SigningCredentials)
    async throws(STSError)
  {
    _ = try await client.call("DeleteVirtualMFADevice", [("SerialNumber", serial)], signer: signer)
  }

  package func listMFADevices(user: String, signer: SigningCredentials) async throws(STSError)
    -> [MFADeviceEntry]
  {
    var devices: [MFADeviceEntry] = []
    var marker: String?
    // A page limit, so a peer that always says "truncated" cannot loop us forever.
    for _ in 0..<20 {
      let parameters = [("UserName", user)] + (marker.map { [("Marker", $0)] } ?? [])
      let page = try IAMParse.mfaDevices(
        await client.call("ListMFADevices", parameters, signer: signer))
      devices += page.devices
      guard let next = page.marker else { break }
      marker = next
    }
    return devices
  }

  package func listAccountAliases(signer: SigningCredentials) async throws(STSError) -> [String] {
    IAMParse.members(
      of: "AccountAliases", in: try await client.call("ListAccountAliases", [], signer: signer))
  }
}

/// Reading IAM's query-protocol answers.
package enum IAMParse {
  /// The serial and secret of a CreateVirtualMFADevice answer.
  package static func virtualDevice(_ body: Substring) throws(STSError) -> VirtualMFADevice {
    guard let serial = XMLFields.text(of: "SerialNumber", in: body), !serial.isEmpty,
      let seed = XMLFields.text(of: "Base32StringSeed", in: body)
    else {
      throw .malformed(
        status: 200, detail: "CreateVirtualMFADevice without SerialNumber or Base32StringSeed")
    }
    guard let secret = seedSecret(seed) else {
      throw .malformed(
        status: 200, detail: "a Base32StringSeed that is neither base64 of base32 nor base32")
    }
    return VirtualMFADevice(serial: serial, secret: secret)
  }

  /// The secret behind a `Base32StringSeed`: a blob, so base64 of the base32 text on the wire;
  /// plain base32 is accepted too.
  package static func seedSecret(_ text: String) -> [UInt8]? {
    let trimmed = text.filter { !$0.isWhitespace }
    if let data = Data(base64Encoded: trimmed), let inner = String(data: data, encoding: .ascii),
      let secret = Base32.decode(inner), secret.count >= 10
    {
      return secret
    }
    return Base32.decode(trimmed).flatMap { $0.count >= 10 ? $0 : nil }
  }

  /// The devices of one ListMFADevices page and the marker of the next page, if any.
  package static func mfaDevices(_ body: Substring) throws(STSError) -> (
    devices: [MFADeviceEntry], marker: String?
  ) {
    let devices = try elements("member", in: XMLFields.element("MFADevices", in: body) ?? "").map {
      (member) throws(STSError) -> MFADeviceEntry in
      guard let serial = XMLFields.text(of: "SerialNumber", in: member) else {
        throw .malformed(status: 200, detail: "an MFA device without SerialNumber")
      }
      return MFADeviceEntry(
        user: XMLFields.text(of: "UserName", in: member) ?? "", serial: serial,
        enableDate: XMLFields.text(of: "EnableDate", in: member))
    }
    let truncated = XMLFields.text(of: "IsTruncated", in: body) == "true"
    return (
      devices,
      truncated ? XMLFields.text(of: "Marker", in: body).flatMap { $0.isEmpty ? nil : $0 } : nil
    )
  }

  /// The texts of the `<member>` items of list `name`.
  package static func members(of name: String, in body: Substring) -> [String] {
    elements("member", in: XMLFields.element(name, in: body) ?? "").map {
      XMLFields.decodeEntities($0)
    }
  }

  /// Every top-level `<name>` element of `xml`, in order (the items are not nested in themselves).
  static func elements(_ name: String, in xml: Substring) -> [Substring] {
    var found: [Substring] = []
    var rest = xml
    while let inner = XMLFields.element(name, in: rest) {
      found.append(inner)
      guard let close = rest[inner.endIndex...].range(of: "</" + name + ">") else { break }
      rest = rest[close.upperBound...]
    }
    return found
  }

  /// The IAM user name in a caller ARN (`arn:aws:iam::ACCOUNT:user/PATH/NAME`), nil for others.
  package static func userName(fromArn arn: String) -> String? {
    let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
    guard parts.count == 6, parts[2] == "iam", parts[5].hasPrefix("user/") else { return nil }
    return parts[5].split(separator: "/").last.map(String.init)
  }

  /// Whether a caller ARN is an account's root user.
  package static func isRoot(_ arn: String) -> Bool { arn.hasSuffix(":root") }
}

/// RFC 4648 base32, as authenticator apps and AWS's seeds spell secrets.
package enum Base32 {
  static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

  /// The bytes of `text` (case, spaces, dashes and padding ignored); nil for other characters.
  package static func decode(_ text: String) -> [UInt8]? {
    var bits: UInt64 = 0
    var count = 0
    var out: [UInt8] = []
    for byte in text.utf8 where byte != 0x20 && byte != 0x2D && byte != 0x3D {
      let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
      guard let value = alphabet.firstIndex(of: upper) else { return nil }
      bits = bits << 5 | UInt64(value)
      count += 5
      if count >= 8 {
        count -= 8
        out.append(UInt8(truncatingIfNeeded: bits >> UInt64(count)))
      }
    }
    return out.isEmpty ? nil : out
  }

  /// `bytes` in base32 without padding.
  package static func encode(_ bytes: [UInt8]) -> String {
    var bits: UInt64 = 0
    var count = 0
    var out: [UInt8] = []
    for byte in bytes {
      bits = bits << 8 | UInt64(byte)
      count += 8
      while count >= 5 {
        count -= 5
        out.append(alphabet[Int(bits >> UInt64(count) & 31)])
      }
    }
    if count > 0 { out.append(alphabet[Int(bits << UInt64(5 - count) & 31)]) }
    return String(decoding: out, as: UTF8.self)
  }
}
