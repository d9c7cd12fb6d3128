#if canImport(Glibc)
  import Glibc
#endif

/// Sets keys of one profile in the AWS config file's text and leaves every other byte alone:
/// comments, order, spacing, line endings and the other profiles.
package enum ConfigEditor {
  /// `text` with each of `values` set in the section of profile `profile`: an existing key (in
  /// any case, with its continuation lines) is replaced in place, a new one goes after the
  /// section's last key, and a missing section is appended at the end.
  package static func setting(
    _ values: [(key: String, value: String)], profile: String, in text: String
  )
    -> String
  {
    var lines = Line.split(text)
    // New lines end the way the file's lines do.
    let eol = text.contains("\r\n") ? "\r\n" : (text.contains("\r") ? "\r" : "\n")
    // A last line without a line break gets one before anything is added after it.
    func terminateLast() {
      if let last = lines.indices.last, lines[last].terminator.isEmpty {
        lines[last].terminator = eol
      }
    }
    for (key, rawValue) in values {
      let value = rawValue.filter { $0 != "\n" && $0 != "\r" }
      let parsed = Line.classify(lines)
      guard let header = section(of: profile, in: parsed) else {
        terminateLast()
        if let last = lines.last, !Line.isBlank(last.content) {
          lines.append(Line.Text(content: "", terminator: eol))
        }
        let name = profile == "default" ? "[default]" : "[profile \(profile)]"
        lines.append(Line.Text(content: name, terminator: eol))
        lines.append(Line.Text(content: "\(key) = \(value)", terminator: eol))
        continue
      }
      var end = header + 1
      while end < parsed.count, parsed[end].kind != .header { end += 1 }
      if let found = (header + 1..<end).first(where: {
        parsed[$0].kind == .key && parsed[$0].key == key.lowercased()
      }) {
        var stop = found + 1
        while stop < end, parsed[stop].kind == .continuation { stop += 1 }
        let terminator = lines[stop - 1].terminator
        lines.replaceSubrange(
          found..<stop,
          with: [
            Line.Text(
              content: replacing(lines[found].content, value: value), terminator: terminator)
          ])
      } else {
        let lastKey = (header + 1..<end).last {
          parsed[$0].kind == .key || parsed[$0].kind == .continuation
        }
        let at = (lastKey ?? header) + 1
        if at == lines.count { terminateLast() }
        if lines[at - 1].terminator.isEmpty { lines[at - 1].terminator = eol }
        lines.insert(Line.Text(content: "\(key) = \(value)", terminator: eol), at: at)
      }
    }
    return lines.map { $0.content + $0.terminator }.joined()
  }

  /// The index of the header line of `profile`'s section: the last header naming it, as in
  /// botocore's profile map (`[default]` and `[profile default]` alike).
  static func section(of profile: String, in lines: [Line]) -> Int? {
    lines.indices.last {
      lines[$0].kind == .header
        && SharedConfig.profileName(fromConfigHeader: lines[$0].key) == profile
    }
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

    /// A line's text and the line break that ends it (empty for an unterminated last line).
    struct Text {
      var content: String
      var terminator: String
    }

    static func isBlank(_ line: String) -> Bool {
      line.allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// The lines of `text` as `INIScanner` cuts them (LF, CRLF or lone CR).
    static func split(_ text: String) -> [Text] {
      let bytes = Array(text.utf8)
      var lines: [Text] = []
      bytes.withUnsafeBufferPointer { buffer in
        INIScanner.scan(buffer, detail: false) { line in
          lines.append(
            Text(
              content: INIFile.text(buffer, line.start, line.end),
              terminator: INIFile.text(buffer, line.end, line.next)))
          return true
        }
      }
      return lines
    }

    /// Classifies every line with the one scanner's rules (comments, headers, continuations).
    static func classify(_ lines: [Text]) -> [Line] {
      let bytes = Array(lines.map { $0.content + $0.terminator }.joined().utf8)
      var result: [Line] = []
      bytes.withUnsafeBufferPointer { buffer in
        INIScanner.scan(buffer) { line in
          switch line.kind {
          case .header:
            result.append(
              Line(
                kind: .header, key: INIFile.text(buffer, line.name.lowerBound, line.name.upperBound)
              ))
          case .option:
            result.append(
              Line(
                kind: .key,
                key: INIFile.lowercasedASCII(buffer, line.name.lowerBound, line.name.upperBound)))
          case .continuation:
            result.append(Line(kind: .continuation, key: ""))
          case .blank, .comment, .invalid:
            result.append(Line(kind: .blank, key: ""))
          }
          return true
        }
      }
      return result
    }
  }
}

/// Why the config file could not be rewritten; one sentence naming the file.
package struct ConfigWriteError: Error, Sendable, Equatable, CustomStringConvertible {
  package var path: String
  package var reason: String
  package var description: String { "Cannot update \(path): \(reason)." }
}

/// Rewrites the config file safely: a backup of the old text beside it, then temp file + rename.
package enum ConfigFileWriter {
  /// Sets `values` in `profile` of the file at `path` (through symlinks); returns the backup's path,
  /// or nil when the file did not exist or nothing changed.
  package static func update(
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
