import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

/// A per-device `flock` that serialises refreshes across terminals; the kernel drops it when the
/// holder exits, so a killed process leaves no stale lock.
public final class RefreshLock: @unchecked Sendable {
  let fd: Int32

  /// The directory for lock files: `$XDG_RUNTIME_DIR/awsmfa`, else `/tmp/awsmfa-UID` (0700).
  public static func directory(environment: Environment) -> String {
    if let runtime = environment.nonEmpty("XDG_RUNTIME_DIR") { return runtime + "/awsmfa" }
    return "/tmp/awsmfa-\(getuid())"
  }

  /// Takes the lock named `name`, waiting at most `timeout` seconds; nil if it cannot be had.
  public static func acquire(name: String, environment: Environment, timeout: Double)
    -> RefreshLock?
  {
    let directory = directory(environment: environment)
    if mkdir(directory, 0o700) != 0 && errno != EEXIST { return nil }
    // Refuse a directory someone else owns or can write: another user could hold our lock.
    var info = stat()
    guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
      info.st_mode & 0o022 == 0
    else { return nil }
    let fd = open(
      directory + "/" + name + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { return nil }
    let deadline = Double(epochNow()) + timeout
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR, Double(epochNow()) < deadline else {
        close(fd)
        return nil
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
