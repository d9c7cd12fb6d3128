import AWSMFAKit
import Foundation
import Testing

@testable import AWSMFACard
@testable import AWSMFACore

/// Answers GetCallerIdentity with a fixed ARN.
struct FixedIdentity: CallerIdentityService {
  var arn: String
  func callerIdentity(signer: SigningCredentials) async throws(STSError) -> (
    account: String, arn: String, userId: String
  ) {
    ("123456789012", arn, "AIDA")
  }
}

/// An IAM that records calls and must not be reached by the tests that use it.
final class RecordingIAM: IAMService, @unchecked Sendable {
  var calls: [String] = []
  func createVirtualMFADevice(name: String, signer: SigningCredentials) async throws(STSError)
    -> VirtualMFADevice
  {
    calls.append("create")
    throw .refused(status: 400, code: "Test", message: "not expected")
  }
  func enableMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials
  ) async throws(STSError) {
    calls.append("enable")
  }
  func resyncMFADevice(
    user: String, serial: String, codes: (String, String), signer: SigningCredentials
  ) async throws(STSError) {
    calls.append("resync")
  }
  func deactivateMFADevice(user: String, serial: String, signer: SigningCredentials)
    async throws(STSError)
  {
    calls.append("deactivate")
  }
  func deleteVirtualMFADevice(serial: String, signer: SigningCredentials) async throws(STSError) {
    calls.append("delete")
  }
  func listMFADevices(user: String, signer: SigningCredentials) async throws(STSError)
    -> [MFADeviceEntry]
  { [] }
  func listAccountAliases(signer: SigningCredentials) async throws(STSError) -> [String] {
    calls.append("aliases")
    return []
  }
}

/// A card that must not be spoken to.
struct SilentCard: CardConnection {
  func transmit(_ apdu: [UInt8]) throws(CardError) -> [UInt8] { throw .removed(reader: "test") }
}

@Suite struct IAMEnrolmentTests {
  func enrol(arn: String, iam: RecordingIAM) async throws {
    let config = try makeConfig(
      "[profile p]\nregion = x\n", "[p]\naws_access_key_id = AKID\naws_secret_access_key = S\n")
    let key = PluggedKey(
      reader: "r", serial: 1, session: OATHSession(connection: SilentCard(), label: "1"),
      connection: SilentCard())
    let sts = FakeSTS(clock: { 0 })
    let enrolment = Enrolment(
      peers: .init(
        identity: FixedIdentity(arn: arn), iam: iam, sts: sts,
        cache: CacheGuard(store: nil, warn: { _ in }), key: key,
        writeConfig: { _, _ in nil }, cue: { _ in }, now: { 0 }))
    _ = try await enrolment.run(
      profile: try config.resolve("p"), options: .init(deviceName: nil, touch: true, force: false))
  }

  @Test func rootKeysAreSentToTheConsoleBeforeAnythingIsTouched() async throws {
    let iam = RecordingIAM()
    await #expect {
      try await enrol(arn: "arn:aws:iam::123456789012:root", iam: iam)
    } throws: { error in
      guard case .rootUser(let account) = error as? EnrolError else { return false }
      return account == "123456789012" && "\(error)".contains("device import")
    }
    #expect(iam.calls.isEmpty)
  }

  @Test func roleSessionsAreNotUsers() async throws {
    let iam = RecordingIAM()
    await #expect {
      try await enrol(arn: "arn:aws:sts::123456789012:assumed-role/admin/s", iam: iam)
    } throws: { error in
      if case .notUser = error as? EnrolError { return true }
      return false
    }
    #expect(iam.calls.isEmpty)
  }

  @Test func otpauthURIIsTheKeyUriFormat() {
    let uri = OTPAuth.uri(name: "Amazon Web Services:bob@acme", secret: Array("foobar".utf8))
    #expect(
      uri
        == "otpauth://totp/Amazon%20Web%20Services%3Abob%40acme?secret=MZXW6YTBOI&issuer=Amazon%20Web%20Services&algorithm=SHA1&digits=6&period=30"
    )
  }

  @Test func qrCodeHasFinderPatternsAndAQuietZone() throws {
    let modules = try QRCode.encode("otpauth://totp/x?secret=MZXW6YTBOI")
    let size = modules.count
    #expect(size >= 21 && (size - 21) % 4 == 0)
    // The 7x7 finder patterns: dark ring, light ring, dark 3x3 centre, in three corners.
    for (top, left) in [(0, 0), (0, size - 7), (size - 7, 0)] {
      for row in 0..<7 {
        for column in 0..<7 {
          let ring = max(abs(row - 3), abs(column - 3))
          #expect(modules[top + row][left + column] == (ring != 2), "finder at \(top),\(left)")
        }
      }
    }
    let text = try QRCode.render("otpauth://totp/x?secret=MZXW6YTBOI")
    let lines = text.split(separator: "\n")
    #expect(lines.count == (size + 4 + 1) / 2)
    #expect(lines.allSatisfy { $0.count == size + 4 })
    #expect(lines[0].allSatisfy { $0 == "\u{2588}" })
  }
}
