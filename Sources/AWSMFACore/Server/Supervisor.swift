import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a command beside awsmfa (not in its place, as `exec` does) and waits for it: for
/// `exec --server`, whose server must live as long as the command.
///
/// The command stays in awsmfa's process group, so the terminal's Ctrl-C and Ctrl-\ reach it
/// directly; awsmfa ignores them meanwhile and ends when the command does. SIGTERM and SIGHUP
/// sent to awsmfa are passed on, through the same pipe-writing handler as `SignalWait`. The command starts with no signal blocked, every signal at its
/// default, the user's core-dump limit and only descriptors 0, 1 and 2.
package enum Supervisor {
  package struct SpawnError: Error, CustomStringConvertible {
    package var description: String
    /// 127 when the program was not found, else 126 (a shell's convention).
    package var status: Int32
  }

  /// Starts `arguments[0]` (PATH-searched) with exactly `environment`, waits, and returns its
  /// exit status (128+signal when a signal ended it).
  package static func run(_ arguments: [String], environment: [String: String])
    async throws(SpawnError) -> Int32
  {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    ChildProcess.resetSignals(&attributes)
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    let argv = arguments.map { strdup($0) } + [nil]
    defer {
      envp.forEach { free($0) }
      argv.forEach { free($0) }
    }
    // The terminal's signals are the command's to act on while it runs; SIGTERM and SIGHUP are
    // caught from now on (no window in which one is lost) and passed on once it started.
    signal(SIGINT, SIG_IGN)
    signal(SIGQUIT, SIG_IGN)
    let forwarded = SignalWait([SIGTERM, SIGHUP])
    var pid: pid_t = 0
    closeDescriptorsOnExec()
    restoreCoreDumps()
    let spawned = posix_spawnp(&pid, arguments[0], nil, &attributes, argv, envp)
    disableCoreDumps()
    guard spawned == 0 else {
      for number in [SIGINT, SIGQUIT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
      throw SpawnError(
        description:
          "cannot run \(Quote.human(arguments[0])): \(String(cString: strerror(spawned)))",
        status: spawned == ENOENT ? 127 : 126)
    }
    let child = pid
    // Passed on from a thread of its own until the command ends (a 0 from `release`).
    Detached.run {
      while true {
        let number = forwarded.next()
        if number == 0 { break }
        kill(child, number)
      }
    }
    defer { forwarded.release() }
    // waitpid blocks: on a thread of its own, not one of the concurrency pool's few.
    if let status = await Detached.value({ Syscall.waitExitStatus(child) }) { return status }
    return Syscall.waitExitStatus(child)
  }
}

extension Supervisor {
  /// Runs `arguments[0]` and returns everything it printed on stdout (at most 4 MiB); a failed
  /// start or a non-zero exit is an error.
  package static func capture(_ arguments: [String]) throws(SpawnError) -> [UInt8] {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else {
      throw SpawnError(description: "cannot create a pipe", status: 126)
    }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    close(fds[1])
    defer { close(fds[0]) }
    guard spawned == 0 else {
      throw SpawnError(
        description:
          "cannot run \(Quote.human(arguments[0])): \(String(cString: strerror(spawned)))",
        status: spawned == ENOENT ? 127 : 126)
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while output.count < 4 << 20 {
      let count = (try? Syscall.retrying { read(fds[0], &buffer, buffer.count) }) ?? 0
      if count == 0 { break }
      output += buffer[0..<count]
    }
    guard Syscall.waitExitStatus(pid) == 0 else {
      throw SpawnError(description: "\(Quote.human(arguments[0])) failed", status: 126)
    }
    return output
  }
}

/// The write end of SignalWait's pipe, for the C signal handler (which can capture nothing).
// Written once, in SignalWait.init, before the handler is installed; then only read.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// The handler: one byte down the pipe (write(2) is async-signal-safe).
private func noteSignal(_ number: Int32) {
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(signalPipe, &byte, 1)
}

/// The first of some signals, caught from the moment it is made — a C handler writes to a pipe,
/// installed synchronously, so a signal sent right after (a script that reads `serve`'s exports
/// and stops it) is neither fatal nor lost, as it could be while a Dispatch source was arming.
package final class SignalWait: Sendable {
  private let readEnd: Int32
  private let writeEnd: Int32

  package init(_ signals: [Int32]) {
    var fds: [Int32] = [-1, -1]
    if pipe(&fds) == 0 {
      for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }
    readEnd = fds[0]
    writeEnd = fds[1]
    signalPipe = fds[1]
    for number in signals { signal(number, noteSignal) }
  }

  /// The next signal's number, waiting for it; 0 after `release`.
  func next() -> Int32 {
    var byte: UInt8 = 0
    guard (try? Syscall.retrying { read(readEnd, &byte, 1) }) == 1 else { return 0 }
    return Int32(byte)
  }

  /// Wakes a waiting `next` with 0.
  func release() {
    var zero: UInt8 = 0
    _ = write(writeEnd, &zero, 1)
  }

  /// Returns once one of the signals has arrived (at once if one already has).
  package func wait() async {
    // read(2) blocks: on a thread of its own, not one of the concurrency pool's few.
    _ = await Detached.value { self.next() }
  }
}
