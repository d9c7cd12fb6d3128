import AWSMFAKit

/// Who a set of keys signs as (STS GetCallerIdentity; a fake in unit tests).
package protocol CallerIdentityService: Sendable {
  /// The account, ARN and user id of the signer.
  func callerIdentity(signer: SigningCredentials) async throws(STSError) -> (
    account: String, arn: String, userId: String
  )
}

extension STSClient: CallerIdentityService {}

/// `awsmfa device enroll`: a new IAM virtual MFA device whose secret lives only on the YubiKey.
///
/// GetCallerIdentity, CreateVirtualMFADevice, OATH PUT, three codes computed from the card for
/// consecutive steps (previous and current to enable, next to prove it), EnableMFADevice,
/// GetSessionToken, then the config file. Any failure after the device exists undoes what was done.
package struct Enrolment {
  /// Everything outside: AWS, the card, the cache, the config file and the clock.
  package struct Peers {
    package var identity: any CallerIdentityService
    package var iam: any IAMService
    package var sts: any STSService
    package var cache: CacheGuard
    package var key: PluggedKey
    /// Writes `mfa_serial` and `awsmfa_oath_account` into the profile; returns the backup's path.
    package var writeConfig: (_ serial: String, _ oathName: String) throws -> String?
    package var cue: (String) -> Void
    package var now: () -> Int64

    package init(
      identity: any CallerIdentityService, iam: any IAMService, sts: any STSService,
      cache: CacheGuard,
      key: PluggedKey, writeConfig: @escaping (String, String) throws -> String?,
      cue: @escaping (String) -> Void, now: @escaping () -> Int64 = { epochNow() }
    ) {
      self.identity = identity
      self.iam = iam
      self.sts = sts
      self.cache = cache
      self.key = key
      self.writeConfig = writeConfig
      self.cue = cue
      self.now = now
    }
  }

  /// Choices from the command line.
  package struct Options {
    package var deviceName: String?
    package var touch: Bool
    package var force: Bool
    package init(deviceName: String?, touch: Bool, force: Bool) {
      self.deviceName = deviceName
      self.touch = touch
      self.force = force
    }
  }

  /// What was enrolled.
  package struct Outcome {
    package var serial: String
    package var oathName: String
    package var user: String
    package var secret: [UInt8]
    package var backup: String?
    package var expiration: Int64

    /// The `otpauth://` URI a phone app takes as a backup of the secret.
    package var otpauthURI: String { OTPAuth.uri(name: oathName, secret: secret) }
  }

  package var peers: Peers

  package init(peers: Peers) {
    self.peers = peers
  }

  /// Enrols `profile`'s IAM user; throws raw errors before the device exists, `.failed` after.
  package func run(profile: ResolvedProfile, options: Options) async throws -> Outcome {
    let signer = SigningCredentials(
      accessKeyId: profile.keys.accessKeyId, secretAccessKey: profile.keys.secretAccessKey)
    let caller = try await peers.identity.callerIdentity(signer: signer)
    if IAMParse.isRoot(caller.arn) { throw EnrolError.rootUser(account: caller.account) }
    guard let user = IAMParse.userName(fromArn: caller.arn) else {
      throw EnrolError.notUser(arn: caller.arn)
    }
    // iam:ListAccountAliases is often not granted; the account id is the fallback.
    let label = (try? await peers.iam.listAccountAliases(signer: signer))?.first ?? caller.account
    let name = "\(AccountMatch.awsIssuer):\(user)@\(label)"
    let key = peers.key
    do throws(any Error) {
      if try key.names().contains(name), !options.force {
        throw EnrolError.credentialExists(name: name, key: key.label)
      }
    } catch let error as OATHError {
      throw EnrolError.card(error)
    }
    let device = try await peers.iam.createVirtualMFADevice(
      name: options.deviceName ?? user, signer: signer)
    let serial = device.serial
    var undo = Undo()
    undo.add("deleted the IAM virtual MFA device \(serial)") {
      try await peers.iam.deleteVirtualMFADevice(serial: serial, signer: signer)
      return true
    }
    do throws(any Error) {
      try key.session.put(name: name, secret: device.secret, requireTouch: options.touch)
      undo.add("deleted the OATH credential \(Quote.human(name)) from \(key.label)") {
        try key.session.delete(name: name)
        return true
      }
      let step = TOTPStep(time: peers.now())
      if options.touch { peers.cue("Touch your YubiKey three times (three codes for AWS)…\n") }
      var codes: [String] = []
      for offset in -1...1 {
        codes.append(
          try key.session.calculate(
            name: name,
            challenge: OATHCode.challenge(
              time: TOTPStep(index: step.index + Int64(offset)).start, period: 30),
            touch: options.touch))
      }
      undo.add("deactivated \(serial) for user \(user)") { () async throws -> Bool in
        do {
          try await peers.iam.deactivateMFADevice(user: user, serial: serial, signer: signer)
          return true
        } catch let error as STSError {
          // Enabling never happened (or failed): there is nothing to deactivate.
          if case .refused(let status, let code, _) = error, status == 404 || code == "NoSuchEntity"
          {
            return false
          }
          throw error
        }
      }
      try await peers.iam.enableMFADevice(
        user: user, serial: serial, codes: (codes[0], codes[1]), signer: signer)
      peers.cache.recordStep(step.previous.index, device: serial, now: peers.now())
      peers.cache.recordStep(step.index, device: serial, now: peers.now())
      let credentials = try await peers.sts.getSessionToken(
        signer: signer, durationSeconds: profile.sessionDuration, serialNumber: serial,
        tokenCode: codes[2])
      peers.cache.recordStep(step.next.index, device: serial, now: peers.now())
      let backup = try peers.writeConfig(serial, name)
      var enrolled = profile
      enrolled.mfaSerial = serial
      enrolled.oathAccount = name
      peers.cache.save(enrolled.sessionIdentity, credentials, now: peers.now())
      return Outcome(
        serial: serial, oathName: name, user: user, secret: device.secret, backup: backup,
        expiration: credentials.expiration)
    } catch {
      let (undone, leftover) = await undo.run()
      throw EnrolError.failed(cause: error, undone: undone, leftover: leftover)
    }
  }

  /// Puts a secret pasted from the console onto `key` and returns the codes of two consecutive
  /// steps (now and next) for its "MFA code 1" and "MFA code 2" boxes.
  package static func importSecret(
    _ text: String, name: String, key: PluggedKey, touch: Bool, force: Bool, now: Int64,
    cue: (String) -> Void
  ) throws(EnrolError) -> (String, String) {
    guard let secret = Base32.decode(text), secret.count >= 10 else { throw .badSecret }
    do {
      if try key.names().contains(name), !force {
        throw EnrolError.credentialExists(name: name, key: key.label)
      }
      try key.session.put(name: name, secret: secret, requireTouch: touch)
    } catch let error as EnrolError {
      throw error
    } catch {
      throw .card(error as? OATHError ?? .malformed(String(describing: error)))
    }
    do {
      if touch { cue("Touch your YubiKey twice (two codes)…\n") }
      let step = TOTPStep(time: now)
      let first = try key.session.calculate(
        name: name, challenge: OATHCode.challenge(time: step.start, period: 30), touch: touch)
      let second = try key.session.calculate(
        name: name, challenge: OATHCode.challenge(time: step.next.start, period: 30), touch: touch)
      return (first, second)
    } catch {
      let removed = (try? key.session.delete(name: name)) != nil
      let what = "the OATH credential \(Quote.human(name)) on \(key.label)"
      throw .failed(
        cause: error, undone: removed ? ["deleted " + what] : [], leftover: removed ? [] : [what])
    }
  }
}

/// Undo steps, run newest first; each says whether it changed anything.
struct Undo {
  var steps: [(String, () async throws -> Bool)] = []

  mutating func add(_ what: String, _ action: @escaping () async throws -> Bool) {
    steps.append((what, action))
  }

  /// Runs every step; returns what was undone and what could not be (with the reason).
  func run() async -> (undone: [String], leftover: [String]) {
    var undone: [String] = []
    var leftover: [String] = []
    for (what, action) in steps.reversed() {
      do {
        if try await action() { undone.append(what) }
      } catch {
        leftover.append("\(what.replacingFirstWord()) (\(error))")
      }
    }
    return (undone, leftover)
  }
}

extension String {
  /// "deleted the X" → "the X": what is left when undoing it failed.
  fileprivate func replacingFirstWord() -> String {
    guard let space = firstIndex(of: " ") else { return self }
    return String(self[index(after: space)...])
  }
}

/// `otpauth://` URIs (the Key Uri Format authenticator apps read from QR codes).
package enum OTPAuth {
  /// A TOTP URI for `name` (`ISSUER:ACCOUNT`), SHA1, 6 digits, 30 s.
  package static func uri(name: String, secret: [UInt8]) -> String {
    let issuer = OATHName(name).issuer ?? AccountMatch.awsIssuer
    return "otpauth://totp/\(SigV4Signer.uriEncode(name))?secret=\(Base32.encode(secret))"
      + "&issuer=\(SigV4Signer.uriEncode(issuer))&algorithm=SHA1&digits=6&period=30"
  }
}
