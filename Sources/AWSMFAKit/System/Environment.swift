#if canImport(Glibc)
  import Glibc
#endif

/// The process environment as a value, so tests can pass their own.
///
/// The process's own environment is read variable by variable with `getenv`, never copied into a
/// dictionary: the cached `env` path reads five variables and should pay for five.
package struct Environment: Sendable {
  /// Set when the environment is not the process's (tests, children).
  private var explicit: [String: String]?

  /// An environment holding exactly `values`.
  package init(_ values: [String: String]) {
    explicit = values
  }

  private init() {
    explicit = nil
  }

  /// The current process's environment.
  package static func current() -> Environment {
    Environment()
  }

  /// Every variable, by name.
  package var values: [String: String] {
    if let explicit { return explicit }
    var values: [String: String] = [:]
    for (name, value) in entries { values[name] = value }
    return values
  }

  /// Every variable in the process's order (`environ`'s; by name for an explicit environment),
  /// for readers whose result depends on the order, as urllib's proxy variables do.
  package var entries: [(String, String)] {
    if let explicit { return explicit.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    var entries: [(String, String)] = []
    var pointer = environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
        entries.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
      }
      pointer += 1
    }
    return entries
  }

  /// The variable `name`, if set.
  package subscript(name: String) -> String? {
    get {
      if let explicit { return explicit[name] }
      return getenv(name).map { String(cString: $0) }
    }
    set {
      var all = values
      all[name] = newValue
      explicit = all
    }
  }

  /// The home directory: `HOME`, else the password database's entry for this user (never a
  /// relative `~`, which would put config paths under the working directory).
  package var home: String {
    if let home = nonEmpty("HOME") { return home }
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 4096)
    if getpwuid_r(getuid(), &entry, &buffer, buffer.count, &result) == 0, result != nil,
      let directory = entry.pw_dir
    {
      let path = String(cString: directory)
      if path.hasPrefix("/") { return path }
    }
    return "/"
  }

  /// The variable `name`, if set to something other than the empty string.
  package func nonEmpty(_ name: String) -> String? {
    guard let value = self[name], !value.isEmpty else { return nil }
    return value
  }
}
