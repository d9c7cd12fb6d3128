#if canImport(Glibc)
  import Glibc
#endif

/// The one way awsmfa makes a system call that reports failure through `errno` (in the manner
/// of swift-system's `valueOrErrno`): an interrupted call (EINTR) is made again, a failure
/// becomes a `SystemError` naming the errno.
package enum Syscall {
  /// `body`'s result, made again while it fails with EINTR; a negative result is an error.
  @discardableResult
  package static func retrying<Value: BinaryInteger>(_ body: () -> Value) throws(SystemError)
    -> Value
  {
    while true {
      let value = body()
      if value >= 0 { return value }
      if errno == EINTR { continue }
      throw SystemError.current()
    }
  }

  /// Waits for `pid` to exit (EINTR retried) and returns its status as a shell reports it:
  /// the exit code, or 128 + the signal that ended it.
  package static func waitExitStatus(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    guard (try? retrying({ waitpid(pid, &status, 0) })) != nil else { return 127 }
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  }
}

extension SystemError {
  /// The errno's symbolic name and a few words, for the errnos awsmfa explains.
  package static func explain(_ code: Int32) -> String? {
    switch code {
    case EDQUOT: return "the per-user key quota is full (EDQUOT; see /proc/key-users)"
    case EACCES: return "permission denied (EACCES)"
    case EKEYREVOKED:
      return "the keyring was revoked (EKEYREVOKED; a session keyring ended at logout?)"
    case ENOSYS: return "keyrings are not available in this kernel or container (ENOSYS)"
    case EPERM: return "keyring calls are forbidden here, probably by a seccomp filter (EPERM)"
    case EKEYEXPIRED: return "the key expired (EKEYEXPIRED)"
    default: return nil
    }
  }
}

/// Seconds on the monotonic clock, for deadlines.
package enum Monotonic {
  package static func now() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }
}
