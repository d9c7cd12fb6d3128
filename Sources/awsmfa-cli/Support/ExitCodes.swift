import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// The one table from failures to exit codes and hints (documented in the README).
enum Failure {
  static let usage = ExitStatus.usage
  static let noCode = ExitStatus.noCode
  static let internalError = ExitStatus.internalError
  static let keyring = ExitStatus.io
  static let unavailable = ExitStatus.unavailable
  static let protocolError = ExitStatus.protocolError
  static let refused = ExitStatus.refused
  static let config = ExitStatus.config

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
      return (noCode, error.line)
    case let error as CardError:
      return (noCode, error.line)
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
    case let error as Message:
      return (error.code, error.text)
    case is CancellationError:
      return (ExitStatus.interrupted, "Interrupted.")
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

  /// An error to report after another prefix than `awsmfa: ` (a hook's refresh says which
  /// profile it gave up on).
  struct Prefixed: Error {
    var error: any Error
    var prefix: String
    init(_ error: any Error, prefix: String) {
      self.error = error
      self.prefix = prefix
    }
  }

  /// A failure that is only a message and a code.
  struct Message: Error {
    var code: Int32
    var text: String
  }

  /// The one exit path of a command that failed: ArgumentParser's own errors (usage, `--help`,
  /// an ExitCode a command chose) go to ArgumentParser; anything else is one line on stderr and
  /// the code of the table above. stdout stays empty.
  static func finish(_ error: any Error) -> Never {
    if error is ExitCode || error is CleanExit || error is ValidationError
      || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    {
      AWSMFA.exit(withError: error)
    }
    let prefix = (error as? Prefixed)?.prefix ?? "awsmfa: "
    let (code, message) = classify((error as? Prefixed)?.error ?? error)
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
