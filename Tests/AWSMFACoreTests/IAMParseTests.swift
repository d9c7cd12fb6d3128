import Foundation
import Testing

@testable import AWSMFACard
@testable import AWSMFACore

@Suite struct IAMParseTests {
  static let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

  @Test func createVirtualMFADeviceWithBase64OfBase32Seed() throws {
    let wire = Data(Self.seed.utf8).base64EncodedString()
    let body = """
      <CreateVirtualMFADeviceResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
        <CreateVirtualMFADeviceResult><VirtualMFADevice>
          <SerialNumber>arn:aws:iam::123456789012:mfa/bob</SerialNumber>
          <Base32StringSeed>\(wire)</Base32StringSeed><QRCodePNG>iVBORw0K</QRCodePNG>
        </VirtualMFADevice></CreateVirtualMFADeviceResult>
      </CreateVirtualMFADeviceResponse>
      """
    let device = try IAMParse.virtualDevice(body[...])
    #expect(device.serial == "arn:aws:iam::123456789012:mfa/bob")
    #expect(device.secret.count == 40)
    #expect(Base32.encode(device.secret) == Self.seed)
  }

  @Test(arguments: [
    "", "<SerialNumber>x</SerialNumber>",
    "<SerialNumber>x</SerialNumber><Base32StringSeed>!!</Base32StringSeed>",
  ])
  func createVirtualMFADeviceRefusesIncompleteAnswers(body: String) {
    #expect(throws: STSError.self) { try IAMParse.virtualDevice(body[...]) }
  }

  @Test func plainBase32SeedIsAcceptedToo() {
    #expect(IAMParse.seedSecret(Self.seed).map(Base32.encode) == Self.seed)
    #expect(IAMParse.seedSecret("AAAA") == nil)
  }

  @Test func listMFADevicesPagesAndEntities() throws {
    let body = """
      <ListMFADevicesResponse><ListMFADevicesResult>
        <IsTruncated>true</IsTruncated><Marker>next&amp;1</Marker>
        <MFADevices>
          <member><UserName>bob</UserName><SerialNumber>arn:aws:iam::1:mfa/bob</SerialNumber>
            <EnableDate>2026-11-24T04:05:04.399567Z</EnableDate></member>
          <member><UserName>bob</UserName><SerialNumber>arn:aws:iam::1:u2f/x</SerialNumber></member>
        </MFADevices>
      </ListMFADevicesResult></ListMFADevicesResponse>
      """
    let page = try IAMParse.mfaDevices(body[...])
    #expect(page.devices.map(\.serial) == ["arn:aws:iam::1:mfa/bob", "arn:aws:iam::1:u2f/x"])
    #expect(page.devices[0].enableDate == "2026-11-24T04:05:04.399567Z")
    #expect(page.devices[1].enableDate == nil)
    #expect(page.marker == "next&1")
    let last = try IAMParse.mfaDevices("<IsTruncated>false</IsTruncated><MFADevices/>"[...])
    #expect(last.devices.isEmpty && last.marker == nil)
  }

  @Test func accountAliases() {
    let body =
      "<ListAccountAliasesResult><AccountAliases><member>acme</member></AccountAliases></ListAccountAliasesResult>"
    #expect(IAMParse.members(of: "AccountAliases", in: body[...]) == ["acme"])
    #expect(IAMParse.members(of: "AccountAliases", in: "<AccountAliases/>"[...]) == [])
  }

  @Test(
    arguments: [
      ("arn:aws:iam::123456789012:user/bob", "bob"), ("arn:aws:iam::1:user/team/ops/bob", "bob"),
      ("arn:aws-cn:iam::1:user/b", "b"), ("arn:aws:iam::1:root", nil),
      ("arn:aws:sts::1:assumed-role/admin/s", nil), ("nonsense", nil),
    ] as [(String, String?)])
  func userNames(arn: String, user: String?) {
    #expect(IAMParse.userName(fromArn: arn) == user)
  }

  @Test func rootIsRecognised() {
    #expect(IAMParse.isRoot("arn:aws:iam::123456789012:root"))
    #expect(!IAMParse.isRoot("arn:aws:iam::123456789012:user/root"))
  }

  @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar"])
  func base32RoundTripsRFC4648Vectors(text: String) {
    let expected = [
      "": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB",
      "foobar": "MZXW6YTBOI",
    ][text]
    #expect(Base32.encode(Array(text.utf8)) == expected)
    if !text.isEmpty {
      #expect(Base32.decode((expected ?? "").lowercased() + "====") == Array(text.utf8))
    }
    #expect(Base32.decode("MZ1") == nil)
  }
}
