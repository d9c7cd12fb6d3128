import AWSMFAKit

/// `device resync` and `device list`: the IAM side beside the OATH side.
package enum DeviceOps {
  /// ResyncMFADevice for `profile`'s device with the codes of the previous and current steps,
  /// computed by `source`; both steps are remembered as used.
  package static func resync(
    profile: ResolvedProfile, source: YubiKeyCodeSource, identity: any CallerIdentityService,
    iam: any IAMService, cache: CacheGuard, now: Int64
  ) async throws {
    guard let serial = profile.mfaSerial else { throw EnrolError.noDevice(profile: profile.name) }
    let signer = SigningCredentials(
      accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey)
    let caller = try await identity.callerIdentity(signer: signer)
    guard let user = IAMParse.userName(fromArn: caller.arn) else {
      throw EnrolError.notUser(arn: caller.arn)
    }
    let step = TOTPStep(time: now)
    let first = try source.calculate(at: step.previous.start)
    let second = try source.calculate(at: step.start)
    try await iam.resyncMFADevice(
      user: user, serial: serial, codes: (first, second), signer: signer)
    cache.recordStep(step.previous.index, device: serial, now: now)
    cache.recordStep(step.index, device: serial, now: now)
  }

  /// One row of `device list`.
  package struct Row: Sendable, Equatable {
    /// "IAM" or the YubiKey's label.
    package var place: String
    /// The device ARN or the OATH credential id.
    package var name: String
    /// The profiles that use it.
    package var profiles: [String]
  }

  /// What `device list` shows: IAM devices, OATH credentials, and the mismatches between them.
  package struct Inventory: Sendable {
    package var rows: [Row] = []
    package var problems: [String] = []
  }

  /// Gathers the IAM devices of each distinct source identity among `profiles` and the OATH
  /// credentials of `keys`; a failure is a problem line, not the end of the listing.
  package static func inventory(
    profiles: [ResolvedProfile], keys: [PluggedKey], identity: any CallerIdentityService,
    iam: any IAMService
  ) async -> Inventory {
    var result = Inventory()
    var iamSerials: [String: [String]] = [:]
    // Per access key: nil when not asked yet, empty after a failure or for a non-user.
    var seenKeys: [String: [String]] = [:]
    var listed: Set<String> = []
    for profile in profiles where seenKeys[profile.keys.accessKeyId] == nil {
      let signer = SigningCredentials(
        accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey)
      do {
        let caller = try await identity.callerIdentity(signer: signer)
        guard let user = IAMParse.userName(fromArn: caller.arn) else {
          seenKeys[profile.keys.accessKeyId] = []
          continue
        }
        let serials = try await iam.listMFADevices(user: user, signer: signer).map(\.serial)
        seenKeys[profile.keys.accessKeyId] = serials
        listed.insert(profile.keys.accessKeyId)
        for serial in serials where iamSerials[serial] == nil { iamSerials[serial] = [] }
      } catch {
        seenKeys[profile.keys.accessKeyId] = []
        result.problems.append(
          "profile \(Quote.human(profile.name)): cannot list its IAM MFA devices: \(error)")
      }
    }
    var oath: [(key: String, name: OATHName, profiles: [String])] = []
    for key in keys {
      do {
        oath += try key.names().map { (key.label, OATHName($0), []) }
      } catch {
        result.problems.append("\(key.label): cannot list its OATH credentials: \(error)")
      }
    }
    for profile in profiles where profile.mfaSerial != nil || profile.oathAccount != nil {
      if let serial = profile.mfaSerial, iamSerials[serial] != nil {
        iamSerials[serial, default: []].append(profile.name)
      } else if let serial = profile.mfaSerial, listed.contains(profile.keys.accessKeyId) {
        result.problems.append(
          "profile \(Quote.human(profile.name)): mfa_serial \(serial) is not an MFA device of its IAM user"
        )
      }
      switch AccountMatch.match(
        oath.map(\.name), oathAccount: profile.oathAccount, mfaSerial: profile.mfaSerial)
      {
      case .found(let name):
        for index in oath.indices where oath[index].name == name {
          oath[index].profiles.append(profile.name)
        }
      case .several(let names):
        result.problems.append(
          "profile \(Quote.human(profile.name)): several OATH credentials match: \(names.joined(separator: ", "))"
        )
      case .none:
        if !keys.isEmpty {
          result.problems.append(
            "profile \(Quote.human(profile.name)): no OATH credential on a plugged-in YubiKey matches it"
          )
        }
      }
    }
    result.rows =
      iamSerials.keys.sorted().map { Row(place: "IAM", name: $0, profiles: iamSerials[$0] ?? []) }
      + oath.map { Row(place: $0.key, name: $0.name.raw, profiles: $0.profiles) }
    return result
  }
}
