/// Just enough XML for AWS query-protocol answers: the text of named elements.
///
/// The answers awsmfa reads are flat and well known, so this avoids libxml2 (FoundationXML),
/// which would grow the static binary and its start-up.
package enum XMLFields {
  /// The text of the first `<name>…</name>` inside `scope` (or the whole text), entities decoded.
  package static func text(of name: String, in xml: Substring) -> String? {
    guard let inner = element(name, in: xml) else { return nil }
    return decodeEntities(inner)
  }

  /// The raw inside of the first `<name>` element, attributes allowed on the opening tag.
  static func element(_ name: String, in xml: Substring) -> Substring? {
    var search = xml[...]
    while let open = search.range(of: "<" + name) {
      let afterName = open.upperBound
      guard afterName < search.endIndex else { return nil }
      let next = search[afterName]
      if next == ">" || next == " " || next == "\n" || next == "\t" || next == "\r" {
        guard let close = search[afterName...].firstIndex(of: ">") else { return nil }
        let contentStart = search.index(after: close)
        if search[search.index(before: close)] == "/" { return search[contentStart..<contentStart] }
        guard let end = search[contentStart...].range(of: "</" + name + ">") else { return nil }
        return search[contentStart..<end.lowerBound]
      }
      search = search[afterName...]
    }
    return nil
  }

  static func decodeEntities(_ text: Substring) -> String {
    guard text.contains("&") else { return String(text) }
    var out = ""
    var rest = text
    while let amp = rest.firstIndex(of: "&") {
      out += rest[..<amp]
      guard let semi = rest[amp...].firstIndex(of: ";") else {
        out += rest[amp...]
        return out
      }
      let entity = rest[rest.index(after: amp)..<semi]
      switch entity {
      case "amp": out += "&"
      case "lt": out += "<"
      case "gt": out += ">"
      case "quot": out += "\""
      case "apos": out += "'"
      default:
        if entity.hasPrefix("#x"), let code = UInt32(entity.dropFirst(2), radix: 16),
          let scalar = Unicode.Scalar(code)
        {
          out.unicodeScalars.append(scalar)
        } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()),
          let scalar = Unicode.Scalar(code)
        {
          out.unicodeScalars.append(scalar)
        } else {
          out += "&" + entity + ";"
        }
      }
      rest = rest[rest.index(after: semi)...]
    }
    return out + rest
  }
}

extension Substring {
  func range(of needle: String) -> Range<Index>? {
    let needleChars = Array(needle)
    guard let first = needleChars.first else { return nil }
    var index = startIndex
    while let found = self[index...].firstIndex(of: first) {
      var cursor = found
      var matched = true
      for character in needleChars {
        guard cursor < endIndex, self[cursor] == character else {
          matched = false
          break
        }
        cursor = self.index(after: cursor)
      }
      if matched { return found..<cursor }
      index = self.index(after: found)
    }
    return nil
  }
}
