import AWSMFAKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// Where a TOTP code for an MFA device comes from.
package protocol MFACodeSource: Sendable {
  /// A human name for messages ("--code", "mfa_process", "the terminal", "YubiKey 1234567").
  var name: String { get }
  /// Whether the source can give the code of a chosen time step (a card can; a person cannot).
  var canChooseStep: Bool { get }
  /// The code for `device` at time step `step` (30 s steps since the epoch).
  func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError) -> String
  /// Whether a person types the code (a refusal then most likely means a typo, not reuse).
  var isTyped: Bool { get }
}

extension MFACodeSource {
  package var isTyped: Bool { false }
}

/// Why no MFA code could be had; each description is one sentence.
package enum MFAError: Error, Sendable, CustomStringConvertible, Equatable {
  case noSource(profile: String, device: String)
  /// A prompt hook's refresh needs a new MFA session, and only a typed code could start one.
  case needsTyping(profile: String)
  /// STS refused the typed code twice.
  case refusedTyped
  case badCode(source: String)
  case processFailed(command: String, detail: String)
  case terminal(String)
  case cancelled
  case card(String)

  package var description: String {
    switch self {
    case .noSource(let profile, let device):
      return
        "Profile \(Quote.human(profile)) needs a code for MFA device \(device), but there is no terminal to ask on, no mfa_process and no YubiKey holding it; pass --code or set mfa_process."
    case .needsTyping(let profile):
      return
        "The MFA session of \(Quote.human(profile)) has ended and only a typed code can start a new one."
    case .refusedTyped:
      return
        "STS refused the code twice: check the device's clock and that the code belongs to this profile's MFA device."
    case .badCode(let source):
      return "The MFA code from \(source) is not 6 to 8 digits."
    case .processFailed(let command, let detail):
      return "mfa_process \(Quote.human(command)) failed: \(detail)."
    case .terminal(let detail):
      return "Cannot ask for the MFA code on the terminal: \(detail)."
    case .cancelled:
      return "No MFA code was entered."
    case .card(let detail):
      return detail
    }
  }

  /// Checks that `code` looks like a TOTP code.
  static func validate(_ code: String, source: String) throws(MFAError) -> String {
    let trimmed = code.trimmingCharacters(in: " ")
    guard (6...8).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
      throw .badCode(source: source)
    }
    return trimmed
  }
}

/// The code given on the command line with `--code`.
package struct FixedCodeSource: MFACodeSource {
  package var value: String
  package init(_ value: String) { self.value = value }
  package var name: String { "--code" }
  package var canChooseStep: Bool { false }
  package func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError)
    -> String
  {
    try MFAError.validate(value, source: "--code")
  }
}

/// The profile's `mfa_process`: split into words like a shell would, run without a shell.
package struct ProcessCodeSource: MFACodeSource {
  package var command: String
  package var timeout: Double
  package init(command: String, timeout: Double = 60) {
    self.command = command
    self.timeout = timeout
  }
  package var name: String { "mfa_process" }
  package var canChooseStep: Bool { false }

  package func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError)
    -> String
  {
    let words: [String]
    do {
      words = try ShellWords.split(command)
    } catch {
      throw .processFailed(command: command, detail: error.description)
    }
    guard !words.isEmpty else { throw .processFailed(command: command, detail: "it is empty") }
    let result: ChildProcess.Result
    do {
      result = try ChildProcess.run(
        words, extraEnvironment: ["AWSMFA_MFA_SERIAL": device, "AWSMFA_PROFILE": profile.name],
        timeout: timeout)
    } catch {
      throw .processFailed(command: command, detail: error.description)
    }
    guard result.status == 0 else {
      throw .processFailed(command: command, detail: "it exited with status \(result.status)")
    }
    let output = String(decoding: result.stdout, as: UTF8.self)
    let line = output.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    return try MFAError.validate(line, source: "mfa_process")
  }
}

/// A prompt on `/dev/tty`: never stdin (it may be a pipe), never stdout (it is eval'd).
package struct TerminalCodeSource: MFACodeSource {
  package var terminal: Terminal
  package init(terminal: Terminal) { self.terminal = terminal }
  package var name: String { "the terminal" }
  package var isTyped: Bool { true }
  package var canChooseStep: Bool { false }

  package func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError)
    -> String
  {
    guard let line = terminal.ask("MFA code for \(device): ") else { throw .cancelled }
    return try MFAError.validate(line, source: "the terminal")
  }
}
