#if canImport(Glibc)
  import Glibc
#endif

/// RFC 3339 timestamps in UTC with a `Z`, without Foundation.
package enum RFC3339 {
  /// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
  package static func format(_ seconds: Int64) -> String {
    let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
    let secondOfDay = seconds - days * 86400
    let (year, month, day) = civil(fromDays: days)
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
      + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
  }

  /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, any fraction length (moto sends µs).
  package static func parse(_ text: String) -> Int64? {
    let chars = Array(text.utf8)
    func number(_ start: Int, _ count: Int) -> Int64? {
      guard start + count <= chars.count else { return nil }
      var value: Int64 = 0
      for byte in chars[start..<start + count] {
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int64(byte - 48)
      }
      return value
    }
    guard chars.count >= 19, let year = number(0, 4), chars[4] == 45, let month = number(5, 2),
      chars[7] == 45, let day = number(8, 2), chars[10] == 84 || chars[10] == 32,
      let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    if index < chars.count, chars[index] == 46 {
      index += 1
      while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
    }
    var offset: Int64 = 0
    if index < chars.count {
      if chars[index] == 90 || chars[index] == 122 {
        index += 1
      } else if chars[index] == 43 || chars[index] == 45, let oh = number(index + 1, 2),
        let om = number(index + 4, 2)
      {
        offset = (oh * 3600 + om * 60) * (chars[index] == 43 ? 1 : -1)
        index += 6
      } else {
        return nil
      }
    }
    guard index == chars.count else { return nil }
    return days(fromCivil: year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
  }

  // Howard Hinnant's days-from-civil algorithm and its inverse.
  static func days(fromCivil y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y - 1 : y
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  static func civil(fromDays z: Int64) -> (Int64, Int64, Int64) {
    let z = z + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }
}
