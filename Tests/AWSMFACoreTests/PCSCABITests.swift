import Foundation
import Testing

/// shim.h declares the pcsc-lite ABI by hand (libpcsclite is dlopen'ed, not linked): compile it
/// beside the real <PCSC/winscard.h> and let the C compiler compare every constant, the request
/// struct and each function's type.
@Suite struct PCSCABITests {
  @Test func shimMatchesTheInstalledHeaders() throws {
    let shim = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Sources/CPCSCLite/shim.h").standardized.path
    let constants = [
      "SCARD_SCOPE_USER", "SCARD_SHARE_SHARED", "SCARD_LEAVE_CARD", "SCARD_PROTOCOL_T0",
      "SCARD_PROTOCOL_T1", "SCARD_S_SUCCESS", "SCARD_E_INVALID_HANDLE", "SCARD_E_UNKNOWN_READER",
      "SCARD_E_TIMEOUT", "SCARD_E_SHARING_VIOLATION", "SCARD_E_NO_SMARTCARD", "SCARD_F_COMM_ERROR",
      "SCARD_E_NOT_TRANSACTED", "SCARD_E_READER_UNAVAILABLE", "SCARD_E_NO_SERVICE",
      "SCARD_E_SERVICE_STOPPED", "SCARD_E_NO_READERS_AVAILABLE", "SCARD_E_COMM_DATA_LOST",
      "SCARD_W_UNRESPONSIVE_CARD", "SCARD_W_UNPOWERED_CARD", "SCARD_W_RESET_CARD",
      "SCARD_W_REMOVED_CARD",
    ]
    var source =
      "#include <PCSC/winscard.h>\n#include \"\(shim)\"\n#include <stddef.h>\n#include <stdio.h>\n"
    source += "int main(void) {\n  int bad = 0;\n"
    for name in constants + ["SCARD_PROTOCOL_ANY"] {
      let real = name == "SCARD_PROTOCOL_ANY" ? "(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)" : name
      source +=
        "  if ((long)awsmfa_\(name) != (long)\(real)) { printf(\"\(name)\\n\"); bad = 1; }\n"
    }
    source += "  return bad;\n}\n"
    source += """
      _Static_assert(sizeof(awsmfa_DWORD) == sizeof(DWORD), "DWORD");
      _Static_assert(sizeof(awsmfa_LONG) == sizeof(LONG), "LONG");
      _Static_assert(sizeof(awsmfa_SCARDCONTEXT) == sizeof(SCARDCONTEXT), "context");
      _Static_assert(sizeof(awsmfa_SCARDHANDLE) == sizeof(SCARDHANDLE), "handle");
      _Static_assert(sizeof(awsmfa_SCARD_IO_REQUEST) == sizeof(SCARD_IO_REQUEST), "pci size");
      _Static_assert(offsetof(awsmfa_SCARD_IO_REQUEST, cbPciLength) == offsetof(SCARD_IO_REQUEST, cbPciLength), "pci");
      void check(void) {
        awsmfa_SCardEstablishContext_fn a = (awsmfa_SCardEstablishContext_fn)0; LONG (*a2)(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT) = SCardEstablishContext;
        awsmfa_SCardReleaseContext_fn b = SCardReleaseContext;
        awsmfa_SCardListReaders_fn c = SCardListReaders;
        awsmfa_SCardConnect_fn d = SCardConnect;
        awsmfa_SCardDisconnect_fn e = SCardDisconnect;
        awsmfa_SCardTransmit_fn f = (awsmfa_SCardTransmit_fn)0;
        LONG (*f2)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD, SCARD_IO_REQUEST *, LPBYTE, LPDWORD) = SCardTransmit;
        a = (awsmfa_SCardEstablishContext_fn)a2; f = (awsmfa_SCardTransmit_fn)f2;
        (void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
      }

      """
    let file = NSTemporaryDirectory() + "pcsc-abi-\(UUID().uuidString).c"
    try source.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c",
      "cc -Werror -Wincompatible-pointer-types $(pkg-config --cflags libpcsclite) -o \"$0.bin\" \"$0\" $(pkg-config --libs libpcsclite) 2>&1 && \"$0.bin\"; s=$?; rm -f \"$0.bin\"; exit $s",
      file,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(
      process.terminationStatus == 0,
      "shim.h disagrees with pcsc-lite (needs libpcsclite-dev): \(output)")
  }
}
