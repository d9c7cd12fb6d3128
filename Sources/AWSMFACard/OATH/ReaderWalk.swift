/// A reader holding a card with an OATH applet, selected, as the reader walk finds it.
package struct FoundApplet {
  package var reader: String
  /// The key's serial when it was read (Management applet), nil otherwise or when hidden.
  package var serial: UInt32?
  package var connection: any CardConnection
  package var session: OATHSession
  package var selection: OATHSelection
}

/// What the walk saw besides the applets it handed out: for the message when nothing fits.
package struct WalkReport {
  /// Every reader's name.
  package var readers: [String] = []
  /// Why no reader could be listed (no pcscd, no reader): the walk visited nothing.
  package var unavailable: CardError?
  /// A reader another program held exclusively (skipped, and reported if nothing fits).
  package var held: CardError?
  /// The serials read, in reader order ("unknown" for a key that hides it).
  package var serials: [String] = []
  /// Whether any card had an OATH applet.
  package var sawOATH = false
}

/// The one walk over PC/SC readers for YubiKeys, used by every command that looks for one: a
/// reader without a card, a card without an OATH applet and a reader another program holds are
/// skipped (the last one remembered), any other card failure ends the walk.
package enum ReaderWalk {
  /// Calls `visit` for each OATH applet in reader order until it returns false. With
  /// `serial` (a filter), the Management serial is read first and keys it rejects are skipped.
  package static func applets(
    in directory: any CardDirectory, serial accept: ((UInt32?) -> Bool)? = nil,
    visit: (FoundApplet) throws(OATHError) -> Bool
  ) throws(OATHError) -> WalkReport {
    var report = WalkReport()
    do {
      report.readers = try directory.readers()
    } catch {
      report.unavailable = error
      return report
    }
    for reader in report.readers {
      let connection: any CardConnection
      do {
        connection = try directory.connect(reader)
      } catch {
        switch error {
        case .noCard, .removed: continue
        case .sharingViolation:
          report.held = error
          continue
        default: throw .card(error)
        }
      }
      var serial: UInt32?
      if let accept {
        do {
          serial = try Management.serial(connection)
        } catch {
          throw .card(error)
        }
        report.serials.append(serial.map(String.init) ?? "unknown")
        guard accept(serial) else { continue }
      }
      let session = OATHSession(connection: connection, label: serial.map(String.init) ?? reader)
      let selection: OATHSelection
      do {
        selection = try session.select()
      } catch .appletMissing {
        continue
      }
      report.sawOATH = true
      let found = FoundApplet(
        reader: reader, serial: serial, connection: connection, session: session,
        selection: selection)
      guard try visit(found) else { break }
    }
    return report
  }
}
