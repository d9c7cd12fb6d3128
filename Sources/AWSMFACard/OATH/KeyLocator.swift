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

  package init(
    oathAccount: String?, mfaSerial: String?, wantedSerial: String?,
    unlock: @escaping (OATHSession, OATHSelection) throws(OATHError) -> Void
  ) {
    self.oathAccount = oathAccount
    self.mfaSerial = mfaSerial
    self.wantedSerial = wantedSerial
    self.unlock = unlock
  }

  /// Looks through every reader; empty readers and cards without an OATH applet are skipped.
  /// Throws when a key was found but failed (locked, held by another program, broken answer).
  package func locate(in directory: any CardDirectory, time: Int64) throws(OATHError) -> Lookup {
    let readers: [String]
    do {
      readers = try directory.readers()
    } catch {
      return .absent(.card(error))
    }
    guard !readers.isEmpty else { return .absent(.card(.noReaders)) }
    let step = time / 30
    var found: [OATHKey] = []
    var seenNames: [String] = []
    var seenSerials: [String] = []
    var sawOATH = false
    var held: CardError?
    for reader in readers {
      let connection: any CardConnection
      do {
        connection = try directory.connect(reader)
      } catch {
        switch error {
        case .noCard, .removed: continue
        case .sharingViolation:
          held = error
          continue
        default: throw .card(error)
        }
      }
      var serial: UInt32?
      if let wantedSerial {
        do {
          serial = try Management.serial(connection)
        } catch {
          throw .card(error)
        }
        seenSerials.append(serial.map(String.init) ?? "unknown")
        guard serial.map(String.init) == wantedSerial else { continue }
      }
      let session = OATHSession(connection: connection, label: serial.map(String.init) ?? reader)
      let selection: OATHSelection
      do {
        selection = try session.select()
      } catch .appletMissing {
        continue
      }
      sawOATH = true
      if selection.isLocked { try unlock(session, selection) }
      let entries = try session.calculateAll(
        challenge: OATHCode.challenge(time: step * 30, period: 30))
      switch AccountMatch.match(entries.map(\.name), oathAccount: oathAccount, mfaSerial: mfaSerial)
      {
      case .found(let name):
        guard let entry = entries.first(where: { $0.name == name }) else { continue }
        guard entry.type == .totp else { throw .notTOTP(name.raw) }
        found.append(
          OATHKey(
            reader: reader, serial: serial, session: session, entry: entry, listedStep: step,
            connection: connection))
      case .several(let names):
        throw .ambiguousAccount(wanted: wanted, candidates: names)
      case .none:
        seenNames += entries.map(\.name.raw)
      }
    }
    if found.count > 1 {
      let serials = found.map { key in
        key.serial.map(String.init) ?? ((try? Management.serial(key.connection)) ?? nil).map(
          String.init) ?? key.reader
      }
      throw .severalKeys(account: found[0].entry.name.raw, serials: serials)
    }
    if let key = found.first { return .found(key) }
    if let held { throw .card(held) }
    if let wantedSerial, !seenSerials.contains(wantedSerial) {
      return .absent(.serialNotFound(serial: wantedSerial, found: seenSerials))
    }
    guard sawOATH else { return .absent(.noYubiKey(readers: readers)) }
    return .absent(.accountNotFound(wanted: wanted, candidates: seenNames))
  }

  var wanted: String { AccountMatch.wanted(oathAccount: oathAccount, mfaSerial: mfaSerial) }
}

extension OATHKey {
  /// The credential's code for the time step containing `time`: the one CALCULATE ALL already
  /// gave when it applies, else a CALCULATE (after `cue`, when the credential wants a touch).
  package func code(at time: Int64, cue: (String) -> Void) throws(OATHError) -> String {
    if entry.name.period == 30, time / 30 == listedStep, let code = entry.code { return code }
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
      try? UsedSteps.record(at / 30, device: mfaSerial, store: store, now: now)
    }
    return code
  }
}
