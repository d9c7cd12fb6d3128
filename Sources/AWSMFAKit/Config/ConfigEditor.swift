#if canImport(Glibc)
  import Glibc
#endif

/// Sets keys of one profile in the AWS config file's text and leaves every other byte alone:
/// comments, order, spacing, line endings and the other profiles.
public enum ConfigEditor {
  /// `text` with each of `values` set in the section of profile `profile`: an existing key (in
  /// any case, with its continuation lines) is replaced in place, a new one goes after the
  /// section's last key, and a missing section is appended at the end.
  public static func setting(
    _ values: [(key: String, value: String)], profile: String, in text: String
  )
    -> String
  {
    let eol = text.contains("\r\n") ? "\r" : ""
    // Split on scalars: in Swift "\r\n" is one Character, which a Character split would not cut.
    var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      .map { String(String.UnicodeScalarView($0)) }
    // A final newline leaves an empty last element, which is not a line of its own.
    let endsWithNewline = lines.last == ""
    if endsWithNewline { lines.removeLast() }
    var appended = false
    for (key, rawValue) in values {
      let value = rawValue.filter { $0 != "\n" && $0 != "\r" }
      let parsed = Line.classify(lines)
      guard let header = section(of: profile, in: parsed) else {
        appended = true
        if !lines.isEmpty, let last = lines.last, !Line.isBlank(last) { lines.append(eol) }
        lines.append((profile == "default" ? "[default]" : "[profile \(profile)]") + eol)
        lines.append("\(key) = \(value)" + eol)
        continue
      }
      var end = header + 1
      while end < parsed.count, parsed[end].kind != .header { end += 1 }
      if let found = (header + 1..<end).first(where: {
        parsed[$0].kind == .key && parsed[$0].key == key.lowercased()
      }) {
        var stop = found + 1
        while stop < end, parsed[stop].kind == .continuation { stop += 1 }
        lines.replaceSubrange(found..<stop, with: [replacing(lines[found], value: value)])
      } else {
        let lastKey = (header + 1..<end).last {
          parsed[$0].kind == .key || parsed[$0].kind == .continuation
        }
        let at = (lastKey ?? header) + 1
        appended = appended || at == lines.count
        lines.insert("\(key) = \(value)" + eol, at: at)
      }
    }
    // A file that ended without a newline keeps doing so, unless lines were added at its end.
    let unterminated = !endsWithNewline && !text.isEmpty && !appended
    return lines.joined(separator: "\n") + (unterminated || lines.isEmpty ? "" : "\n")
  }

  /// The index of the header line of `profile`'s section; `[profile NAME]` wins over a second
  /// `[NAME]`-style header for the same name, as in `SharedConfig`.
  static func section(of profile: String, in lines: [Line]) -> Int? {
    let matches = lines.indices.filter {
      lines[$0].kind == .header
        && SharedConfig.profileName(fromConfigHeader: lines[$0].key) == profile
    }
    return matches.first { lines[$0].key.hasPrefix("profile") } ?? matches.first
  }

  /// `line` (`key = old`) with its value replaced, keeping the key's spelling and the spacing.
  static func replacing(_ line: String, value: String) -> String {
    let carriage = line.hasSuffix("\r") ? "\r" : ""
    let body = carriage.isEmpty ? Substring(line) : line.dropLast()
    guard let separator = body.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return line }
    var valueStart = body.index(after: separator)
    while valueStart < body.endIndex, body[valueStart] == " " || body[valueStart] == "\t" {
      valueStart = body.index(after: valueStart)
    }
    var prefix = String(body[..<valueStart])
    // `key =` (no old value) gets the space its spacing before the separator suggests.
    if valueStart == body.endIndex, separator > body.startIndex,
      body[body.index(before: separator)] == " "
    {
      prefix += " "
    }
    return prefix + value + carriage
  }

  /// One line of the file as the INI reader sees it.
  struct Line {
    enum Kind { case blank, header, key, continuation }
    var kind: Kind
    /// The header's inside, or the key lower-cased.
    var key: String

    static func isBlank(_ line: String) -> Bool {
      line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }

    /// Classifies every line with `INIFile`'s rules (comments, headers, indented continuations).
    static func classify(_ lines: [String]) -> [Line] {
      var lastKeyIndent = -1
      return lines.map { raw in
        let trimmed = INIFile.trimmedSpaces(
          Substring(raw.hasSuffix("\r") ? String(raw.dropLast()) : raw))
        let indent = raw.prefix { $0 == " " || $0 == "\t" }.count
        if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == ";" {
          return Line(kind: .blank, key: "")
        }
        if indent > 0, lastKeyIndent >= 0, indent > lastKeyIndent {
          return Line(kind: .continuation, key: "")
        }
        if trimmed.first == "[", let close = trimmed.lastIndex(of: "]") {
          lastKeyIndent = -1
          let inside = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
          return Line(kind: .header, key: String(INIFile.trimmedSpaces(inside)))
        }
        lastKeyIndent = indent
        let name = trimmed.prefix { $0 != "=" && $0 != ":" }
        return Line(kind: .key, key: String(INIFile.trimmedSpaces(name)).lowercased())
      }
    }
  }
}

/// Why the config file could not be rewritten; one sentence naming the file.
public struct ConfigWriteError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "Cannot update \(path): \(reason)." }
}

/// Rewrites the config file safely: a backup of the old text beside it, then temp file + rename.
public enum ConfigFileWriter {
  /// Sets `values` in `profile` of the file at `path` (through symlinks); returns the backup's path,
  /// or nil when the file did not exist or nothing changed.
  public static func update(
    path: String, profile: String, values: [(key: String, value: String)], now: Int64
  ) throws(ConfigWriteError) -> String? {
    let target = resolved(path)
    // Values come from IAM and STS (a device serial, an account name): each must stay one line
    // of its own key, and the profile one header, or the file would gain keys nobody wrote.
    for (key, value) in values where !isOneLine(value) {
      throw ConfigWriteError(
        path: target, reason: "the value for \(key), \(Quote.human(value)), is not one safe line")
    }
    guard isOneLine(profile), !profile.contains("]") else {
      throw ConfigWriteError(
        path: target, reason: "the profile name \(Quote.human(profile)) cannot be a section header")
    }
    var old = ""
    var existed = true
    switch FileIO.readBytes(path: target) {
    case .success(let bytes): old = String(decoding: bytes, as: UTF8.self)
    case .failure(let error):
      guard error.code == ENOENT else {
        throw ConfigWriteError(path: target, reason: error.message)
      }
      existed = false
    }
    let new = ConfigEditor.setting(values, profile: profile, in: old)
    if existed, new == old { return nil }
    var info = stat()
    let mode = existed && stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0o600
    let directory = target.lastIndex(of: "/").map { String(target[..<$0]) } ?? "."
    if !existed { _ = mkdir(directory, 0o700) }
    var backup: String?
    if existed {
      let name = "\(target).awsmfa-backup-\(now)"
      try writeNew(name, old, mode: mode, target: target)
      backup = name
    }
    let temporary =
      "\(directory)/.\(target.split(separator: "/").last ?? "config").awsmfa-\(getpid())-\(now)"
    try writeNew(temporary, new, mode: mode, target: target)
    guard rename(temporary, target) == 0 else {
      let error = SystemError.current()
      unlink(temporary)
      throw ConfigWriteError(
        path: target, reason: "renaming the new file into place failed (\(error.message))")
    }
    return backup
  }

  /// Whether `text` has no control character (CR, LF, NUL, escapes…) and no edge spaces that
  /// the INI reader would drop.
  static func isOneLine(_ text: String) -> Bool {
    !text.unicodeScalars.contains(where: Visible.isControl) && text.first != " "
      && text.last != " "
  }

  /// The file a symlink chain ends at, so that the link (a dotfile manager's) stays a link.
  static func resolved(_ path: String) -> String {
    guard let real = realpath(path, nil) else { return path }
    defer { free(real) }
    return String(cString: real)
  }

  /// Creates `name` (which must not exist), writes `text`, and flushes it to disk.
  static func writeNew(_ name: String, _ text: String, mode: mode_t, target: String)
    throws(ConfigWriteError)
  {
    let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else {
      throw ConfigWriteError(
        path: target, reason: "cannot create \(name) (\(SystemError.current().message))")
    }
    _ = fchmod(fd, mode)
    let written = FileIO.write(fd: fd, text) && fsync(fd) == 0
    close(fd)
    guard written else {
      unlink(name)
      throw ConfigWriteError(path: target, reason: "writing \(name) failed")
    }
  }
}
