import AWSMFAKit
internal import CPCSCLite

#if canImport(Glibc)
  import Glibc
#endif

/// libpcsclite's entry points, resolved with dlopen/dlsym the first time a card is needed.
struct PCSCLibrary {
  let establishContext: awsmfa_SCardEstablishContext_fn
  let releaseContext: awsmfa_SCardReleaseContext_fn
  let listReaders: awsmfa_SCardListReaders_fn
  let connect: awsmfa_SCardConnect_fn
  let disconnect: awsmfa_SCardDisconnect_fn
  let transmit: awsmfa_SCardTransmit_fn

  /// The library, or nil when libpcsclite.so.1 is not installed.
  static let shared: PCSCLibrary? = load()

  static func load() -> PCSCLibrary? {
    guard let handle = dlopen("libpcsclite.so.1", RTLD_NOW | RTLD_LOCAL) else { return nil }
    func symbol<T>(_ name: String, as type: T.Type) -> T? {
      dlsym(handle, name).map { unsafeBitCast($0, to: type) }
    }
    guard
      let establish = symbol("SCardEstablishContext", as: awsmfa_SCardEstablishContext_fn.self),
      let release = symbol("SCardReleaseContext", as: awsmfa_SCardReleaseContext_fn.self),
      let list = symbol("SCardListReaders", as: awsmfa_SCardListReaders_fn.self),
      let connect = symbol("SCardConnect", as: awsmfa_SCardConnect_fn.self),
      let disconnect = symbol("SCardDisconnect", as: awsmfa_SCardDisconnect_fn.self),
      let transmit = symbol("SCardTransmit", as: awsmfa_SCardTransmit_fn.self)
    else { return nil }
    return PCSCLibrary(
      establishContext: establish, releaseContext: release, listReaders: list, connect: connect,
      disconnect: disconnect, transmit: transmit)
  }
}

/// A PC/SC context on pcscd: lists readers and connects to their cards.
///
/// Every libpcsclite call sits in this file, and every return code passes through `check`.
package final class PCSCContext: CardDirectory, @unchecked Sendable {
  // @unchecked: the handle is immutable; one task at a time talks to the card through it.
  let handle: awsmfa_SCARDCONTEXT
  let library: PCSCLibrary
  /// How long to keep retrying while another program holds a card exclusively.
  package var sharingRetry: Double = 1.0

  /// Establishes a context; throws `.noService` when pcscd is not reachable.
  package init() throws(CardError) {
    guard let library = PCSCLibrary.shared else { throw .noLibrary }
    var context: awsmfa_SCARDCONTEXT = 0
    try Self.check(
      library.establishContext(awsmfa_SCARD_SCOPE_USER, nil, nil, &context), "open a context")
    handle = context
    self.library = library
  }

  deinit { _ = library.releaseContext(handle) }

  package func readers() throws(CardError) -> [String] {
    var length: awsmfa_DWORD = 0
    let sized = library.listReaders(handle, nil, nil, &length)
    if sized == awsmfa_SCARD_E_NO_READERS_AVAILABLE { return [] }
    try Self.check(sized, "list the readers")
    var buffer = [CChar](repeating: 0, count: Int(length) + 1)
    let listed = library.listReaders(handle, nil, &buffer, &length)
    if listed == awsmfa_SCARD_E_NO_READERS_AVAILABLE { return [] }
    try Self.check(listed, "list the readers")
    // A multi-string: names separated by NUL, ended by an empty name.
    let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
    return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  package func connect(_ reader: String) throws(CardError) -> any CardConnection {
    var card: awsmfa_SCARDHANDLE = 0
    var active: awsmfa_DWORD = 0
    let deadline = Monotonic.now() + sharingRetry
    while true {
      let result = library.connect(
        handle, reader, awsmfa_SCARD_SHARE_SHARED, awsmfa_SCARD_PROTOCOL_ANY, &card, &active)
      // scdaemon and friends let go of a card between their own transactions: wait a little.
      if result == awsmfa_SCARD_E_SHARING_VIOLATION, Monotonic.now() < deadline {
        usleep(50_000)
        continue
      }
      try Self.check(result, "connect to the card", reader: reader)
      return PCSCReader(context: self, handle: card, protocol: active, name: reader)
    }
  }

  /// Turns a PC/SC return code into a `CardError` (nothing for success).
  static func check(_ code: awsmfa_LONG, _ operation: String, reader: String = "the reader")
    throws(CardError)
  {
    switch code {
    case awsmfa_SCARD_S_SUCCESS:
      return
    case awsmfa_SCARD_E_NO_SERVICE, awsmfa_SCARD_E_SERVICE_STOPPED:
      throw .noService
    case awsmfa_SCARD_E_NO_READERS_AVAILABLE, awsmfa_SCARD_E_UNKNOWN_READER,
      awsmfa_SCARD_E_READER_UNAVAILABLE:
      throw .noReaders
    case awsmfa_SCARD_E_NO_SMARTCARD, awsmfa_SCARD_W_UNPOWERED_CARD:
      throw .noCard(reader: reader)
    case awsmfa_SCARD_W_REMOVED_CARD, awsmfa_SCARD_W_RESET_CARD, awsmfa_SCARD_W_UNRESPONSIVE_CARD,
      awsmfa_SCARD_E_NOT_TRANSACTED, awsmfa_SCARD_F_COMM_ERROR, awsmfa_SCARD_E_COMM_DATA_LOST,
      awsmfa_SCARD_E_INVALID_HANDLE:
      throw .removed(reader: reader)
    case awsmfa_SCARD_E_SHARING_VIOLATION:
      throw .sharingViolation(reader: reader)
    case awsmfa_SCARD_E_TIMEOUT:
      throw .timeout(reader: reader)
    default:
      throw .pcsc(operation: operation, code: Int64(code))
    }
  }
}

/// A shared connection to the card in one reader; disconnects (leaving the card as is) on release.
package final class PCSCReader: CardConnection, @unchecked Sendable {
  // @unchecked: immutable handles; APDUs are sent by one task at a time, in order.
  let context: PCSCContext
  let handle: awsmfa_SCARDHANDLE
  let activeProtocol: awsmfa_DWORD
  /// The reader's PC/SC name.
  package let name: String

  init(
    context: PCSCContext, handle: awsmfa_SCARDHANDLE, protocol active: awsmfa_DWORD, name: String
  ) {
    self.context = context
    self.handle = handle
    self.activeProtocol = active
    self.name = name
  }

  deinit { _ = context.library.disconnect(handle, awsmfa_SCARD_LEAVE_CARD) }

  package func transmit(_ apdu: [UInt8]) throws(CardError) -> [UInt8] {
    var response = [UInt8](repeating: 0, count: 4096)
    var length = awsmfa_DWORD(response.count)
    // What SCARD_PCI_T0/T1 point to inside the library: the protocol and the struct's size.
    var pci = awsmfa_SCARD_IO_REQUEST(
      dwProtocol: activeProtocol,
      cbPciLength: awsmfa_DWORD(MemoryLayout<awsmfa_SCARD_IO_REQUEST>.size))
    let result = context.library.transmit(
      handle, &pci, apdu, awsmfa_DWORD(apdu.count), nil, &response, &length)
    try PCSCContext.check(result, "exchange data with the card", reader: name)
    // Every card answer ends with a status word; nothing at all means the card went away.
    guard length >= 2 else { throw .removed(reader: name) }
    return Array(response.prefix(Int(length)))
  }
}
