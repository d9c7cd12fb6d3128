#if canImport(Glibc)
  import Glibc
#endif

/// The controlling terminal, for prompts and cues that must never reach stdout.
package final class Terminal: @unchecked Sendable {
  // @unchecked: `fd` is immutable and owned (closed in deinit); one prompt at a time uses it.
  let fd: Int32

  /// Opens `/dev/tty`; nil when the process has no controlling terminal (cron, CI, a pipe).
  package static func open() -> Terminal? {
    let fd = Glibc.open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
    return fd >= 0 ? Terminal(fd: fd) : nil
  }

  init(fd: Int32) { self.fd = fd }
  deinit { close(fd) }

  /// Writes `text` to the terminal.
  package func say(_ text: String) {
    _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
  }

  /// Prints `prompt` and reads one line; nil at end of input.
  package func ask(_ prompt: String, echo: Bool = true) -> String? {
    var saved = termios()
    let restore = !echo && tcgetattr(fd, &saved) == 0
    if restore {
      // Echo goes off before the prompt appears, so a fast typist (or a paste) is never shown.
      var quiet = saved
      quiet.c_lflag &= ~tcflag_t(ECHO)
      tcsetattr(fd, TCSAFLUSH, &quiet)
    }
    say(prompt)
    defer {
      if restore {
        tcsetattr(fd, TCSANOW, &saved)
        say("\n")
      }
    }
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while true {
      let count = (try? Syscall.retrying { read(fd, &byte, 1) }) ?? -1
      if count <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
      if byte == 10 { break }
      bytes.append(byte)
    }
    defer { for index in bytes.indices { bytes[index] = 0 } }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Where cues ("Touch your YubiKey…", "waiting for a fresh code") go: the terminal, else stderr.
package struct Cue: Sendable {
  package static func show(_ text: String) {
    // A cue may name an OATH account read from the card: no raw controls on the terminal.
    let text = Visible.text(text, keepNewlines: true)
    if let terminal = Terminal.open() {
      terminal.say(text)
    } else {
      FileIO.write(fd: 2, text)
    }
  }
}
