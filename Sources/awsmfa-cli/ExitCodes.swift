import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// The one table from failures to exit codes and hints (documented in the README).
enum Failure {
  static let usage: Int32 = 64
  static let noCode: Int32 = 69
  static let internalError: Int32 = 70
  static let keyring: Int32 = 74
  static let unavailable: Int32 = 75
  static let protocolError: Int32 = 76
  static let refused: Int32 = 77
  static let config: Int32 = 78

  /// The exit code and the line to print for `error`.
  static func classify(_ error: any Error) -> (code: Int32, message: String) {
    switch error {
    case let error as ConfigError:
      return (config, error.description)
    case let error as EndpointError:
      return (config, error.description)
    case let error as NetworkError:
      return (config, error.description)
    case let error as LoginError:
      return (error.exitCode, error.description)
    case let error as ConfigWriteError:
      return (config, error.description)
    case let error as UnsafeValueError:
      return (config, error.description)
    case let error as AWSEndpoints.Unsupported:
      return (config, error.description)
    case let error as EnrolError:
      return (enrolCode(error), error.description)
    case let error as MFAError:
      return (error == .refusedTyped ? refused : noCode, error.description)
    case let error as OATHError:
      return (noCode, error.description + (error.hint.map { " " + $0 } ?? ""))
    case let error as CardError:
      return (noCode, error.description + (error.hint.map { " " + $0 } ?? ""))
    case let error as KeyringError:
      return (keyring, error.description)
    case let error as STSError:
      switch error {
      case .refused(_, let code, _):
        let hint =
          code == "InvalidClientTokenId"
          ? " Check the profile's access keys, or start a new MFA session with --new-session."
          : code == "ExpiredToken" ? " Start a new MFA session with --new-session." : ""
        return (refused, error.description + hint)
      case .clockSkew:
        return (refused, error.description + " Fix the system clock (is NTP running?).")
      case .transport(let failure) where failure.kind == .configuration:
        return (config, error.description)
      case .unavailable, .transport:
        return (unavailable, error.description)
      case .malformed:
        return (protocolError, error.description)
      }
    case is CancellationError:
      return (130, "Interrupted.")
    default:
      return (internalError, "Unexpected error: \(error).")
    }
  }

  /// Device commands: a flag would fix it (64), the profile's keys are wrong for it (78), else
  /// the code of the underlying failure.
  static func enrolCode(_ error: EnrolError) -> Int32 {
    switch error {
    case .credentialExists, .severalKeys, .badSecret: return usage
    case .rootUser, .notUser, .noDevice: return config
    case .card: return noCode
    case .failed: return classify(error.cause).code
    }
  }

  /// Prints one line for `error` on stderr and exits with its code; stdout stays empty.
  static func exit(with error: any Error, prefix: String = "awsmfa: ") -> Never {
    let (code, message) = classify(error)
    Stderr.line(prefix + message)
    Glibc.exit(code)
  }
}

/// Diagnostics: everything that is not the eval payload goes here, one line at a time, with
/// control characters made visible (a message may quote a server or a config file).
enum Stderr {
  static func line(_ text: String) {
    _ = FileIO.write(fd: 2, Visible.text(text) + "\n")
  }
}

/// Standard output, written once per run with the whole payload.
enum Stdout {
  static func write(_ text: String) {
    _ = FileIO.write(fd: 1, text)
  }

  /// A report for a person (`list`, `doctor`): names and values from the config files or a
  /// server are quoted in it, so control characters are made visible; line breaks stay.
  static func report(_ text: String) {
    write(Visible.text(text, keepNewlines: true))
  }
}

extension String {
  /// The text followed by spaces up to `width` characters (a table column).
  func paddedRight(to width: Int) -> String {
    self + String(repeating: " ", count: max(0, width - count))
  }
}
