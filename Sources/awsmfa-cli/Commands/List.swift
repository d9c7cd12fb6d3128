import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `awsmfa list`: profiles, their MFA device and role, and cached sessions with time left.
struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List profiles, their MFA devices and roles, and cached sessions (no secret is read)."
  )

  @Flag(help: "Print a JSON array for scripts.")
  var json = false

  func run() throws {
    let environment = Environment.current()
    let config: SharedConfig
    config = try SharedConfig.load(environment: environment)
    var cached: [CachedEntry] = []
    do {
      cached = try KernelKeyring.forEnvironment(environment).list()
    } catch {
      Stderr.line("awsmfa: warning: \(error) Cached sessions are not shown.")
    }
    let now = epochNow()
    var rows: [Row] = []
    func expiry(_ identity: SessionIdentity) -> Int64? {
      cached.filter { $0.identity == identity && $0.expiresAt > now }.map(\.expiresAt).max()
    }
    for name in config.profileNames {
      switch Result(catching: { () throws(ConfigError) in try config.resolve(name) }) {
      case .success(let profile):
        rows.append(
          Row(
            profile: name, mfaSerial: profile.mfaSerial, role: profile.roles.last?.roleArn,
            source: profile.sourceProfile, expires: expiry(profile.targetIdentity),
            mfaSessionExpires: expiry(profile.sessionIdentity), problem: nil))
      case .failure(let error):
        rows.append(
          Row(
            profile: name, mfaSerial: nil, role: nil, source: nil, expires: nil,
            mfaSessionExpires: nil, problem: error.description, reason: error.shortReason))
      }
    }
    if json {
      Stdout.write(Row.json(rows, now: now))
    } else {
      Stdout.report(Row.table(rows, now: now))
    }
  }
}

/// One profile as `list` shows it.
struct Row {
  var profile: String
  var mfaSerial: String?
  var role: String?
  var source: String?
  var expires: Int64?
  var mfaSessionExpires: Int64?
  var problem: String?
  /// A few words for the table; `problem` (the full sentence) goes into the JSON.
  var reason: String? = nil

  static func left(_ expires: Int64?, now: Int64) -> String {
    guard let expires else { return "-" }
    let seconds = expires - now
    return seconds >= 3600
      ? "\(seconds / 3600)h\(seconds % 3600 / 60)m" : "\(seconds / 60)m\(seconds % 60)s"
  }

  static func table(_ rows: [Row], now: Int64) -> String {
    let header = ["PROFILE", "MFA DEVICE", "ROLE", "CACHED", "MFA SESSION"]
    let cells = rows.map { row in
      [
        Quote.visible(row.profile), row.mfaSerial ?? "-", row.role ?? "-",
        left(row.expires, now: now),
        row.reason ?? row.problem.map { "error: \($0)" } ?? left(row.mfaSessionExpires, now: now),
      ]
    }
    let widths = (0..<header.count).map { column in
      ([header] + cells).map { $0[column].count }.max() ?? 0
    }
    return ([header] + cells).map { line in
      line.enumerated().map { index, cell in
        index == line.count - 1
          ? cell : cell.paddedRight(to: widths[index])
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }

  static func json(_ rows: [Row], now: Int64) -> String {
    let objects = rows.map { row -> String in
      var fields = ["\"profile\":" + JSONText.quote(row.profile)]
      fields.append("\"mfa_serial\":" + (row.mfaSerial.map(JSONText.quote) ?? "null"))
      fields.append("\"role_arn\":" + (row.role.map(JSONText.quote) ?? "null"))
      fields.append("\"source_profile\":" + (row.source.map(JSONText.quote) ?? "null"))
      fields.append("\"expires\":" + (row.expires.map { String($0) } ?? "null"))
      fields.append("\"seconds_left\":" + (row.expires.map { String($0 - now) } ?? "null"))
      fields.append(
        "\"mfa_session_expires\":" + (row.mfaSessionExpires.map { String($0) } ?? "null"))
      fields.append("\"error\":" + (row.problem.map(JSONText.quote) ?? "null"))
      return "{" + fields.joined(separator: ",") + "}"
    }
    return "[" + objects.joined(separator: ",\n") + "]\n"
  }
}

extension Quote {
  /// `name` as is when it is plain, else quoted with control characters made visible.
  static func visible(_ name: String) -> String {
    name.unicodeScalars.allSatisfy {
      $0.value > 0x20 && $0.value != 0x7F && $0 != "'" && $0 != "\\"
    }
      ? name : human(name)
  }
}
