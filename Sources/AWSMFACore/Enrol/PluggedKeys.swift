/// A plugged-in YubiKey with its OATH applet selected (and unlocked), for enrolment and listing.
package final class PluggedKey {
  package let reader: String
  package let serial: UInt32?
  package let session: OATHSession
  // Kept so the card stays connected for the commands that follow.
  let connection: any CardConnection

  init(reader: String, serial: UInt32?, session: OATHSession, connection: any CardConnection) {
    self.reader = reader
    self.serial = serial
    self.session = session
    self.connection = connection
  }

  /// "YubiKey 12345678", or the reader's name when the key hides its serial.
  package var label: String { serial.map { "YubiKey \($0)" } ?? "the YubiKey in \(reader)" }

  /// The ids of the credentials it holds (LIST needs no touch).
  package func names() throws(OATHError) -> [String] {
    try session.list().map(\.name.raw)
  }
}

/// Finds the YubiKeys with an OATH applet among the PC/SC readers.
package enum PluggedKeys {
  /// Every plugged-in key with an OATH applet; empty readers and other cards are skipped.
  package static func all(
    in directory: any CardDirectory,
    unlock: (OATHSession, OATHSelection) throws(OATHError) -> Void
  ) throws(OATHError) -> [PluggedKey] {
    var keys: [PluggedKey] = []
    let report = try ReaderWalk.applets(in: directory, serial: { _ in true }) {
      (applet) throws(OATHError) -> Bool in
      if applet.selection.isLocked { try unlock(applet.session, applet.selection) }
      keys.append(
        PluggedKey(
          reader: applet.reader, serial: applet.serial, session: applet.session,
          connection: applet.connection))
      return true
    }
    if let unavailable = report.unavailable, unavailable != .noReaders {
      throw .card(unavailable)
    }
    // A key another program holds is skipped like everywhere else, and named when it is the
    // reason nothing was found.
    if keys.isEmpty, let held = report.held { throw .card(held) }
    return keys
  }

  /// The one key to write to: the one with serial `wanted`, else the only one plugged in.
  package static func one(
    in directory: any CardDirectory, wanted: String?,
    unlock: (OATHSession, OATHSelection) throws(OATHError) -> Void
  ) throws(EnrolError) -> PluggedKey {
    let keys: [PluggedKey]
    do {
      keys = try all(in: directory, unlock: unlock)
    } catch {
      throw .card(error)
    }
    let serials = keys.map { $0.serial.map(String.init) ?? $0.reader }
    if let wanted {
      guard let key = keys.first(where: { $0.serial.map(String.init) == wanted }) else {
        throw .card(.serialNotFound(serial: wanted, found: serials))
      }
      return key
    }
    guard let key = keys.first else {
      throw .card(.noYubiKey(readers: (try? directory.readers()) ?? []))
    }
    guard keys.count == 1 else { throw .severalKeys(serials) }
    return key
  }
}

extension PluggedKeys {
  /// Every plugged-in key, through `peers`' PC/SC directory; applets with a password are unlocked
  /// with the remembered key or a prompt, as for codes.
  package static func all(peers: YubiKeyCodeSource.Peers) throws(OATHError) -> [PluggedKey] {
    let directory: any CardDirectory
    do {
      directory = try peers.directory()
    } catch {
      throw .card(error)
    }
    return try all(in: directory) { (session, selection) throws(OATHError) in
      try YubiKeyCodeSource.unlock(session, selection, peers: peers)
    }
  }

  /// The one key to write to (`wanted` serial, else the only one), through `peers`.
  package static func one(peers: YubiKeyCodeSource.Peers, wanted: String?) throws(EnrolError)
    -> PluggedKey
  {
    let directory: any CardDirectory
    do {
      directory = try peers.directory()
    } catch {
      throw .card(.card(error))
    }
    return try one(in: directory, wanted: wanted) { (session, selection) throws(OATHError) in
      try YubiKeyCodeSource.unlock(session, selection, peers: peers)
    }
  }
}
