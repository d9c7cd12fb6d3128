extension StringProtocol {
  /// Whether `needle` occurs in the text, compared byte for byte (UTF-8). The front binary is
  /// built without `_StringProcessing`, whose `contains(_:)` for strings this replaces.
  package func containsBytes(_ needle: String) -> Bool {
    let hay = Array(utf8)
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty else { return true }
    guard hay.count >= pattern.count else { return false }
    return (0...(hay.count - pattern.count)).contains { start in
      hay[start..<(start + pattern.count)].elementsEqual(pattern)
    }
  }
}
