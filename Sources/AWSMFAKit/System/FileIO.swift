#if canImport(Glibc)
  import Glibc
#endif

/// A failed system call: the errno and its text.
package struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
  package var code: Int32
  package var message: String
  package var description: String { message }

  package init(code: Int32, message: String) {
    self.code = code
    self.message = message
  }

  /// The error for `errno` as it is now.
  package static func current() -> SystemError {
    SystemError(code: errno, message: String(cString: strerror(errno)))
  }
}

/// Small file helpers on top of the C library, so the front binary needs no Foundation.
package enum FileIO {
  package static let ENOENT_: Int32 = ENOENT
  /// Files larger than this are refused rather than read (a config file is a few KiB).
  package static let maxSize = 16 << 20

  /// Reads the whole file as UTF-8 text (invalid bytes become U+FFFD).
  package static func readText(path: String) -> Result<String, SystemError> {
    readBytes(path: path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Reads the whole file.
  package static func readBytes(path: String) -> Result<[UInt8], SystemError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(.current()) }
    defer { close(fd) }
    var stats = stat()
    guard fstat(fd, &stats) == 0 else { return .failure(.current()) }
    if (stats.st_mode & S_IFMT) == S_IFDIR {
      return .failure(SystemError(code: EISDIR, message: "it is a directory"))
    }
    if Int(stats.st_size) > maxSize {
      return .failure(SystemError(code: EFBIG, message: "it is larger than 16 MiB"))
    }
    // Size the buffer from fstat (plus one byte to see end of file at once), without zeroing
    // it first; a file that grows while being read is read to the end all the same.
    var failure: SystemError?
    let capacity = max(Int(stats.st_size) + 1, 256)
    var bytes = [UInt8](unsafeUninitializedCapacity: capacity) {
      buffer, initialized in
      initialized = 0
      guard let base = buffer.baseAddress else { return }
      while initialized < buffer.count {
        do throws(SystemError) {
          let count = try Syscall.retrying {
            read(fd, base + initialized, buffer.count - initialized)
          }
          if count == 0 { return }
          initialized += count
        } catch {
          failure = error
          return
        }
      }
    }
    if let failure { return .failure(failure) }
    // The buffer filled up: the file grew. Read the rest in chunks, within the limit.
    var chunk = [UInt8](repeating: 0, count: bytes.count == capacity ? 65536 : 0)
    while !chunk.isEmpty {
      let count: Int
      do throws(SystemError) {
        count = try Syscall.retrying {
          chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        }
      } catch {
        return .failure(error)
      }
      if count == 0 { break }
      bytes += chunk[0..<count]
      guard bytes.count <= maxSize else {
        return .failure(SystemError(code: EFBIG, message: "it is larger than 16 MiB"))
      }
    }
    return .success(bytes)
  }

  /// Writes all of `text` to a file descriptor, retrying on short writes.
  @discardableResult
  package static func write(fd: Int32, _ text: String) -> Bool {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = try? Syscall.retrying {
        bytes.withUnsafeMutableBytes { buffer -> Int in
          guard let base = buffer.baseAddress else { return 0 }
          return Glibc.write(fd, base + offset, buffer.count - offset)
        }
      }
      guard let written else { return false }
      offset += written
    }
    return true
  }
}

/// Wall-clock seconds since the epoch.
package func epochNow() -> Int64 {
  var spec = timespec()
  clock_gettime(CLOCK_REALTIME, &spec)
  return Int64(spec.tv_sec)
}

/// The soft core-dump limit the user had before `disableCoreDumps` lowered it.
// Written once on the main thread before any other thread starts (commands call it first).
nonisolated(unsafe) private var userCoreLimit: rlim_t?

/// Keeps secrets out of core dumps of this process: only the soft limit is lowered, so that
/// `restoreCoreDumps` can give programs awsmfa starts the limit the user had.
package func disableCoreDumps() {
  let resource = __rlimit_resource_t(RLIMIT_CORE.rawValue)
  var limit = rlimit()
  guard getrlimit(resource, &limit) == 0 else { return }
  if userCoreLimit == nil { userCoreLimit = limit.rlim_cur }
  limit.rlim_cur = 0
  _ = setrlimit(resource, &limit)
}

/// Puts back the soft core-dump limit `disableCoreDumps` lowered: call just before exec.
package func restoreCoreDumps() {
  guard let saved = userCoreLimit else { return }
  let resource = __rlimit_resource_t(RLIMIT_CORE.rawValue)
  var limit = rlimit()
  guard getrlimit(resource, &limit) == 0 else { return }
  limit.rlim_cur = min(saved, limit.rlim_max)
  _ = setrlimit(resource, &limit)
}

/// Marks every descriptor above stderr close-on-exec, so that a program awsmfa starts inherits
/// only stdin, stdout and stderr (libraries open sockets, eventfds and lock files of their own).
package func closeDescriptorsOnExec() {
  guard let directory = opendir("/proc/self/fd") else { return }
  defer { closedir(directory) }
  let own = dirfd(directory)
  while let entry = readdir(directory) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    guard let fd = Int32(name), fd > 2, fd != own else { continue }
    let flags = fcntl(fd, F_GETFD)
    if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
  }
}
