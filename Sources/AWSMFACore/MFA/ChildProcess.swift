import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

/// Splits a command line into words with POSIX-shell quoting rules, without running a shell:
/// quotes and backslashes group, nothing expands, so no text in it can start another command.
public enum ShellWords {
  /// Why a command line could not be split.
  public struct SplitError: Error, CustomStringConvertible {
    public var description: String
  }

  /// The words of `line`.
  public static func split(_ line: String) throws(SplitError) -> [String] {
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
public enum ChildProcess {
  /// Exit status (128+signal when killed) and what it wrote on stdout.
  public struct Result: Sendable {
    public var status: Int32
    public var stdout: [UInt8]
  }

  /// Why a program could not be run.
  public struct RunError: Error, CustomStringConvertible {
    public var description: String
  }

  /// Runs `arguments[0]` (PATH-searched) and waits at most `timeout` seconds.
  public static func run(_ arguments: [String], extraEnvironment: [String: String], timeout: Double)
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
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
    close(pipeFDs[1])
    guard spawned == 0 else {
      close(pipeFDs[0])
      throw RunError(
        description:
          "cannot start \(Quote.human(arguments[0])): \(String(cString: strerror(spawned)))")
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = epochNow() + Int64(timeout.rounded(.up))
    var timedOut = false
    while true {
      var poller = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, 200)
      if ready < 0, errno == EINTR { continue }
      if ready == 0 {
        if epochNow() >= deadline {
          timedOut = true
          kill(pid, SIGTERM)
          break
        }
        continue
      }
      let count = read(pipeFDs[0], &buffer, buffer.count)
      if count <= 0 { break }
      output += buffer[0..<count]
      if output.count > 65536 { break }
    }
    close(pipeFDs[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if timedOut { throw RunError(description: "it gave no answer within \(Int(timeout)) s") }
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Result(status: exitStatus, stdout: output)
  }
}
