#if canImport(Glibc)
  import Glibc
#endif

/// The process environment as a value, so tests can pass their own.
public struct Environment: Sendable {
  /// Every variable, by name.
  public var values: [String: String]

  /// An environment holding exactly `values`.
  public init(_ values: [String: String] = [:]) {
    self.values = values
  }

  /// The current process's environment.
  public static func current() -> Environment {
    var values: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        values[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      pointer += 1
    }
    return Environment(values)
  }

  /// The variable `name`, if set.
  public subscript(name: String) -> String? {
    get { values[name] }
    set { values[name] = newValue }
  }

  /// The variable `name`, if set to something other than the empty string.
  public func nonEmpty(_ name: String) -> String? {
    guard let value = values[name], !value.isEmpty else { return nil }
    return value
  }
}
