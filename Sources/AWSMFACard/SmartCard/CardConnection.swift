import AWSMFAKit

/// One card, as the layers above see it: bytes of a command APDU in, bytes of the response out.
package protocol CardConnection {
  /// Sends one command APDU and returns the response data followed by SW1 SW2.
  func transmit(_ apdu: [UInt8]) throws(CardError) -> [UInt8]
}

/// Readers and the cards in them (PC/SC, or a fake in tests).
package protocol CardDirectory {
  /// The names of the readers known now; empty when there are none.
  func readers() throws(CardError) -> [String]
  /// A shared connection to the card in `reader`.
  func connect(_ reader: String) throws(CardError) -> any CardConnection
}

/// Why a card could not be reached or did not answer; each description is one sentence.
package enum CardError: Error, HintedError, Sendable, Equatable {
  /// libpcsclite.so.1 is not installed.
  case noLibrary
  /// pcscd (the PC/SC daemon) is not reachable.
  case noService
  /// pcscd knows no reader.
  case noReaders
  /// The reader is empty.
  case noCard(reader: String)
  /// The card went away (or stopped answering) in the middle of an exchange.
  case removed(reader: String)
  /// Another program holds the card exclusively.
  case sharingViolation(reader: String)
  /// A PC/SC call did not finish in time.
  case timeout(reader: String)
  /// Any other PC/SC failure: the call and its return code.
  case pcsc(operation: String, code: Int64)
  /// The card answered something that is not an APDU response.
  case malformed(String)

  package var description: String {
    switch self {
    case .noLibrary:
      return "The PC/SC library (libpcsclite.so.1) is not installed, so no YubiKey can be read."
    case .noService:
      return "Cannot reach pcscd, the PC/SC daemon that talks to smart cards and YubiKeys."
    case .noReaders:
      return "No smart card reader or YubiKey is plugged in."
    case .noCard(let reader):
      return "The reader \(reader) holds no card."
    case .removed(let reader):
      return
        "The YubiKey in \(reader) was removed or stopped answering in the middle of an exchange."
    case .sharingViolation(let reader):
      return
        "Another program holds the YubiKey in \(reader) exclusively; it is most likely GnuPG's scdaemon."
    case .timeout(let reader):
      return "The card in \(reader) did not answer in time."
    case .pcsc(let operation, let code):
      return
        "PC/SC refused to \(operation) (error 0x\(String(UInt32(truncatingIfNeeded: code), radix: 16)))."
    case .malformed(let detail):
      return "The card's answer is malformed: \(detail)."
    }
  }

  /// What the user can do about it, for the command line to append.
  package var hint: String? {
    switch self {
    case .noLibrary: return "Install it with `apt install libpcsclite1 pcscd`."
    case .noService: return "Is pcscd running? (systemctl start pcscd.socket)"
    case .sharingViolation: return "Release it with `gpgconf --kill scdaemon`, then try again."
    case .removed: return "Plug the YubiKey back in and try again."
    default: return nil
    }
  }
}
