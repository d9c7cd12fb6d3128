import AWSMFAKit
internal import CQRencode

#if canImport(Glibc)
  import Glibc
#endif

/// QR codes drawn with text, for `--backup-qr`; every call into libqrencode is in this file.
package enum QRCode {
  /// Why no QR code was made.
  package struct Failure: Error, Sendable, CustomStringConvertible {
    package var reason: String
    package var description: String { "Cannot draw the QR code: \(reason)." }
  }

  /// `text` as a QR code in Unicode half blocks, two modules per character cell vertically, with
  /// the quiet zone the standard asks for. Light modules are drawn, so it reads on a dark terminal
  /// as `qrencode -t UTF8` does.
  package static func render(_ text: String) throws(Failure) -> String {
    let modules = try encode(text)
    let size = modules.count
    let quiet = 2
    func light(_ row: Int, _ column: Int) -> Bool {
      guard row >= 0, row < size, column >= 0, column < size else { return true }
      return !modules[row][column]
    }
    var out = ""
    for row in stride(from: -quiet, to: size + quiet, by: 2) {
      for column in -quiet..<(size + quiet) {
        switch (light(row, column), light(row + 1, column)) {
        case (true, true): out += "\u{2588}"
        case (true, false): out += "\u{2580}"
        case (false, true): out += "\u{2584}"
        case (false, false): out += " "
        }
      }
      out += "\n"
    }
    return out
  }

  /// The modules of `text`'s QR code (true is dark), error correction level M.
  static func encode(_ text: String) throws(Failure) -> [[Bool]] {
    guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else {
      throw Failure(reason: SystemError.current().message)
    }
    defer { QRcode_free(code) }
    let width = Int(code.pointee.width)
    guard width > 0, let data = code.pointee.data else {
      throw Failure(reason: "libqrencode returned no modules")
    }
    // Bit 0 of each byte is the module's colour; the other bits describe its role.
    return (0..<width).map { row in
      (0..<width).map { column in data[row * width + column] & 1 == 1 }
    }
  }
}
