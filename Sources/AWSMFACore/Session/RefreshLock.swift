import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

/// A per-device `flock` that serialises refreshes across terminals; the kernel drops it when the
/// holder exits, so a killed process leaves no stale lock.
package final class RefreshLock: @unchecked Sendable {
  // @unchecked: `fd` is immutable and owned; the kernel serialises flock on it.
  let fd: Int32

  /// The directory for lock files: `$XDG_RUNTIME_DIR/awsmfa`, else `${TMPDIR:-/tmp}/awsmfa-UID`.
  package static func directory(environment: Environment) -> String {
    if let runtime = environment.nonEmpty("XDG_RUNTIME_DIR") { return runtime + "/awsmfa" }
    let temporary = environment.nonEmpty("TMPDIR") ?? "/tmp"
    return temporary + "/awsmfa-\(getuid())"
  }

  /// The private fallback when `directory` is not safe: `${XDG_CACHE_HOME:-~/.cache}/awsmfa/locks`.
  package static func fallbackDirectory(environment: Environment) -> String {
    let cache = environment.nonEmpty("XDG_CACHE_HOME") ?? environment.home + "/.cache"
    return cache + "/awsmfa/locks"
  }

  /// Why `path` cannot hold our locks (another user could hold or swap them), or nil when it can;
  /// creates it (0700) when missing.
  static func problem(with path: String) -> String? {
    if mkdir(path, 0o700) != 0 && errno != EEXIST {
      return "it cannot be created (\(String(cString: strerror(errno))))"
    }
    var info = stat()
    guard lstat(path, &info) == 0 else { return "it cannot be examined" }
    if (info.st_mode & S_IFMT) == S_IFLNK { return "it is a symbolic link" }
    if (info.st_mode & S_IFMT) != S_IFDIR { return "it is not a directory" }
    if info.st_uid != getuid() { return "it belongs to user \(info.st_uid)" }
    if info.st_mode & 0o022 != 0 { return "other users can write to it" }
    return nil
  }

  /// A safe lock directory: the usual one, else (after one warning) the private fallback.
  static func safeDirectory(environment: Environment, warn: (String) -> Void) -> String? {
    let usual = directory(environment: environment)
    guard let problem = problem(with: usual) else { return usual }
    let fallback = fallbackDirectory(environment: environment)
    // The parents of the fallback are the user's own cache directories.
    var partial = ""
    for part in fallback.split(separator: "/").dropLast() {
      partial += "/" + part
      _ = mkdir(partial, 0o700)
    }
    let second = Self.problem(with: fallback)
    warn(
      "awsmfa: warning: not using the lock directory \(Quote.human(usual)): \(problem); "
        + (second == nil
          ? "using \(Quote.human(fallback)) instead."
          : "\(Quote.human(fallback)) cannot be used either (\(second ?? "")), so refreshes are not serialised.")
    )
    return second == nil ? fallback : nil
  }

  /// Takes the lock named `name`, waiting at most `timeout` seconds; nil if it cannot be had.
  package static func acquire(
    name: String, environment: Environment, timeout: Double,
    warn: (String) -> Void = { _ in }
  ) -> RefreshLock? {
    guard let directory = safeDirectory(environment: environment, warn: warn) else { return nil }
    let fd = open(
      directory + "/" + name + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { return nil }
    let deadline = Double(epochNow()) + timeout
    while true {
      do throws(SystemError) {
        try Syscall.retrying { flock(fd, LOCK_EX | LOCK_NB) }
        break
      } catch {
        guard error.code == EWOULDBLOCK, Double(epochNow()) < deadline else {
          close(fd)
          return nil
        }
      }
      usleep(20_000)
    }
    return RefreshLock(fd: fd)
  }

  init(fd: Int32) { self.fd = fd }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
