import AWSMFAKit

/// A YubiKey found to hold the profile's credential, its OATH applet selected (and unlocked).
package final class OATHKey {
  /// The reader it sits in.
  package let reader: String
  /// Its serial, when it was read (only when needed: choosing or naming keys).
  package let serial: UInt32?
  package let session: OATHSession
  /// The matched credential, as CALCULATE ALL reported it.
  package let entry: OATHEntry
  /// The 30-second step whose challenge CALCULATE ALL used.
  package let listedStep: Int64
  // Kept so the card stays connected for the CALCULATE that follows.
  let connection: any CardConnection

  init(
    reader: String, serial: UInt32?, session: OATHSession, entry: OATHEntry, listedStep: Int64,
    connection: any CardConnection
  ) {
    self.reader = reader
    self.serial = serial
    self.session = session
    self.entry = entry
    self.listedStep = listedStep
    self.connection = connection
  }

  /// "YubiKey 12345678", or the reader's name when the serial was not read.
  package var label: String { serial.map { "YubiKey \($0)" } ?? "the YubiKey in \(reader)" }
}

/// Finds the one plugged-in YubiKey that holds a profile's OATH credential.
package struct KeyLocator {
  /// The outcome when nothing failed outright.
  package enum Lookup {
    /// The key and credential to use.
    case found(OATHKey)
    /// No usable key holds the account; the error says why, for callers that need a key.
    case absent(OATHError)
  }

  package var oathAccount: String?
  package var mfaSerial: String?
  /// `awsmfa_yubikey_serial`, when set.
  package var wantedSerial: String?
  /// Unlocks a password-protected applet (VALIDATE with a remembered or asked-for key).
  package var unlock: (OATHSession, OATHSelection) throws(OATHError) -> Void

  /// The locator for `profile`'s credential (its account, device and key serial).
  package init(
    profile: some OATHAccountNaming,
    unlock: @escaping (OATHSession, OATHSelection) throws(OATHError) -> Void
  ) {
    oathAccount = profile.oathAccount
    mfaSerial = profile.mfaSerial
    wantedSerial = profile.yubikeySerial
    self.unlock = unlock
  }

  /// Looks through every reader; empty readers and cards without an OATH applet are skipped.
  /// Throws when a key was found but failed (locked, held by another program, broken answer).
  package func locate(in directory: any CardDirectory, time: Int64) throws(OATHError) -> Lookup {
    let step = TOTPStep(time: time)
    var found: [OATHKey] = []
    var seenNames: [String] = []
    let wantedSerial = wantedSerial
    let report = try ReaderWalk.applets(
      in: directory, serial: wantedSerial.map { wanted in { $0.map(String.init) == wanted } }
    ) { (applet) throws(OATHError) -> Bool in
      if applet.selection.isLocked { try unlock(applet.session, applet.selection) }
      let entries = try applet.session.calculateAll(
        challenge: OATHCode.challenge(time: step.start, period: Int(TOTPStep.seconds)))
      switch AccountMatch.match(entries.map(\.name), oathAccount: oathAccount, mfaSerial: mfaSerial)
      {
      case .found(let name):
        guard let entry = entries.first(where: { $0.name == name }) else { return true }
        guard entry.type == .totp else { throw .notTOTP(name.raw) }
        found.append(
          OATHKey(
            reader: applet.reader, serial: applet.serial, session: applet.session, entry: entry,
            listedStep: step.index, connection: applet.connection))
      case .several(let names):
        throw .ambiguousAccount(wanted: wanted, candidates: names)
      case .none:
        seenNames += entries.map(\.name.raw)
      }
      return true
    }
    if let unavailable = report.unavailable { return .absent(.card(unavailable)) }
    guard !report.readers.isEmpty else { return .absent(.card(.noReaders)) }
    if found.count > 1 {
      let serials = found.map { key in
        key.serial.map(String.init) ?? ((try? Management.serial(key.connection)) ?? nil).map(
          String.init) ?? key.reader
      }
      throw .severalKeys(account: found[0].entry.name.raw, serials: serials)
    }
    if let key = found.first { return .found(key) }
    if let held = report.held { throw .card(held) }
    if let wantedSerial, !report.serials.contains(wantedSerial) {
      return .absent(.serialNotFound(serial: wantedSerial, found: report.serials))
    }
    guard report.sawOATH else { return .absent(.noYubiKey(readers: report.readers)) }
    return .absent(.accountNotFound(wanted: wanted, candidates: seenNames))
  }

  var wanted: String { AccountMatch.wanted(oathAccount: oathAccount, mfaSerial: mfaSerial) }
}

extension OATHKey {
  /// The credential's code for the time step containing `time`: the one CALCULATE ALL already
  /// gave when it applies, else a CALCULATE (after `cue`, when the credential wants a touch).
  package func code(at time: Int64, cue: (String) -> Void) throws(OATHError) -> String {
    if entry.name.period == 30, TOTPStep(time: time).index == listedStep, let code = entry.code {
      return code
    }
    if entry.touch { cue("Touch your YubiKey…\n") }
    return try session.calculate(
      name: entry.name.raw, challenge: OATHCode.challenge(time: time, period: entry.name.period),
      touch: entry.touch)
  }
}

extension OATHKey {
  /// Seconds before the end of a period at which `consoleCode` gives the next code instead.
  package static let nextCodeMargin: Int64 = 5

  /// The code to show for console sign-in at `now`: the current one, or the next when fewer than
  /// `nextCodeMargin` seconds remain (`notice` says so). Its step is recorded as used in `store`,
  /// so `env` never sends a code the console may already have taken.
  package func consoleCode(
    mfaSerial: String?, now: Int64, store: (any SessionStore)?, cue: (String) -> Void,
    notice: (String) -> Void
  ) throws(OATHError) -> String {
    let period = Int64(entry.name.period)
    let left = period - now % period
    let at = left < Self.nextCodeMargin ? now + period : now
    if at != now { notice("awsmfa: the current code expires in \(left) s; this is the next one.") }
    let code = try self.code(at: at, cue: cue)
    if let mfaSerial, period == 30, let store {
      try? UsedSteps.record(TOTPStep(time: at).index, device: mfaSerial, store: store, now: now)
    }
    return code
  }
}
