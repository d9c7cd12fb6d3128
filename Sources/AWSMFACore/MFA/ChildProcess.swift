import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

/// Splits a command line into words with POSIX-shell quoting rules, without running a shell:
/// quotes and backslashes group, nothing expands, so no text in it can start another command.
package enum ShellWords {
  /// Why a command line could not be split.
  package struct SplitError: Error, CustomStringConvertible {
    package var description: String
  }

  /// The words of `line`.
  package static func split(_ line: String) throws(SplitError) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var iterator = Array(line).makeIterator()
    while let character = iterator.next() {
      switch character {
      case " ", "\t", "\n":
        if inWord { words.append(current) }
        current = ""
        inWord = false
      case "'":
        inWord = true
        while true {
          guard let next = iterator.next() else {
            throw SplitError(description: "an opening ' has no closing '")
          }
          if next == "'" { break }
          current.append(next)
        }
      case "\"":
        inWord = true
        while true {
          guard let next = iterator.next() else {
            throw SplitError(description: "an opening \" has no closing \"")
          }
          if next == "\"" { break }
          if next == "\\" {
            guard let escaped = iterator.next() else {
              throw SplitError(description: "a \\ ends the line")
            }
            if !["\"", "\\", "$", "`"].contains(escaped) { current.append("\\") }
            current.append(escaped)
          } else {
            current.append(next)
          }
        }
      case "\\":
        inWord = true
        guard let escaped = iterator.next() else {
          throw SplitError(description: "a \\ ends the line")
        }
        current.append(escaped)
      default:
        inWord = true
        current.append(character)
      }
    }
    if inWord { words.append(current) }
    return words
  }
}

/// Runs a program found on PATH with its stdout captured, stdin and stderr inherited.
///
/// The program runs in a process group of its own, so that at the deadline the whole group —
/// a wrapper script and whatever it started — is stopped, not just the first process. When
/// awsmfa holds the terminal, the group is handed the terminal for the run (a password manager
/// may prompt), and it comes back afterwards.
package enum ChildProcess {
  /// Exit status (128+signal when killed) and what it wrote on stdout.
  package struct Result: Sendable {
    package var status: Int32
    package var stdout: [UInt8]
  }

  /// Why a program could not be run.
  package struct RunError: Error, CustomStringConvertible {
    package var description: String
  }

  /// Runs `arguments[0]` (PATH-searched) and waits at most `timeout` seconds. Reading stops at
  /// the first complete line: a program that prints its answer and lingers is not waited for,
  /// and what is left of its group is stopped (its status then counts as 0).
  package static func run(
    _ arguments: [String], extraEnvironment: [String: String], timeout: Double
  )
    throws(RunError) -> Result
  {
    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { throw RunError(description: "cannot create a pipe") }
    _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    // A SIGTERM at the deadline must reach it.
    ChildProcess.resetSignals(&attributes, flags: POSIX_SPAWN_SETPGROUP)
    var environment = Environment.current().values
    for (key, value) in extraEnvironment { environment[key] = value }
    // The child must not see credentials it has no use for.
    for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
      environment[key] = nil
    }
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    let argv = arguments.map { strdup($0) } + [nil]
    defer {
      envp.forEach { free($0) }
      argv.forEach { free($0) }
    }
    let terminal = ForegroundTerminal.take()
    var pid: pid_t = 0
    // The child gets the user's core-dump limit and no descriptor but 0, 1 and 2.
    closeDescriptorsOnExec()
    restoreCoreDumps()
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
    disableCoreDumps()
    close(pipeFDs[1])
    guard spawned == 0 else {
      close(pipeFDs[0])
      terminal?.giveBack()
      throw RunError(
        description:
          "cannot start \(Quote.human(arguments[0])): \(String(cString: strerror(spawned)))")
    }
    terminal?.hand(to: pid)
    defer { terminal?.giveBack() }
    let (output, timedOut) = readLine(from: pipeFDs[0], deadline: Double(epochNow()) + timeout)
    close(pipeFDs[0])
    // Exit is observed without reaping (WNOWAIT): while the child is a zombie its group ID
    // cannot be reused, so signalling the group below can only reach its own processes.
    func hasExited() -> Bool {
      var info = siginfo_t()
      return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
        && info._sifields._sigchld.si_pid == pid
    }
    var exited = hasExited()
    let stopped = !exited
    if !exited {
      // Still running after its line, or silent past the deadline: stop the whole group.
      kill(-pid, SIGTERM)
      for _ in 0..<20 where !exited {
        usleep(50_000)
        exited = hasExited()
      }
    }
    // Whatever the group left behind (a background job that ignored SIGTERM) goes too.
    kill(-pid, SIGKILL)
    let exitStatus = Syscall.waitExitStatus(pid)
    if timedOut && output.isEmpty {
      throw RunError(description: "it gave no answer within \(Int(timeout)) s")
    }
    return Result(status: stopped ? 0 : exitStatus, stdout: output)
  }

  /// Makes a spawned program start with no signal blocked and every signal at its default,
  /// whatever this thread's mask and dispositions (runtime threads block some; awsmfa ignores
  /// some while a command runs); `flags` adds other POSIX_SPAWN_* flags.
  package static func resetSignals(_ attributes: inout posix_spawnattr_t, flags: Int32 = 0) {
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(
      &attributes, Int16(flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  }

  /// Reads `fd` until end of file, a complete line, 64 KiB or `deadline`; whether the deadline
  /// ended it.
  static func readLine(from fd: Int32, deadline: Double) -> ([UInt8], Bool) {
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let left = deadline - Double(epochNow())
      if left <= 0 { return (output, true) }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = (try? Syscall.retrying { poll(&poller, 1, Int32(min(left, 0.2) * 1000)) }) ?? 0
      if ready == 0 { continue }
      let count = (try? Syscall.retrying { read(fd, &buffer, buffer.count) }) ?? 0
      if count == 0 { return (output, false) }
      output += buffer[0..<count]
      if output.contains(10) || output.count > 65536 { return (output, false) }
    }
  }
}

/// The controlling terminal while awsmfa's process group is in its foreground: lent to a child's
/// group for the child's run, so the child can prompt, and taken back after.
struct ForegroundTerminal {
  let fd: Int32

  /// The terminal, when there is one and awsmfa is in its foreground; nil otherwise.
  static func take() -> ForegroundTerminal? {
    let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    guard tcgetpgrp(fd) == getpgrp() else {
      close(fd)
      return nil
    }
    return ForegroundTerminal(fd: fd)
  }

  /// Makes `group` the terminal's foreground process group.
  func hand(to group: pid_t) {
    _ = tcsetpgrp(fd, group)
  }

  /// Makes awsmfa's group the foreground again (SIGTTOU ignored meanwhile: awsmfa is in the
  /// background while the child holds the terminal) and closes the descriptor.
  func giveBack() {
    let previous = signal(SIGTTOU, SIG_IGN)
    _ = tcsetpgrp(fd, getpgrp())
    signal(SIGTTOU, previous)
    close(fd)
  }
}
