import AWSMFACard
import AWSMFAKit

/// `awsmfa code PROFILE` as the front binary serves it: config, PC/SC and two APDUs, without
/// Foundation, cryptography or argument parsing, so a code costs about what the card does.
///
/// A password-protected applet (VALIDATE needs HMAC) and every failure that happens before the
/// card was asked for the code go to the full CLI, which reports them; nothing is asked twice.
package enum FastCode {
  /// The exit status after printing the code (or a card failure), or nil when the full CLI must
  /// handle the call.
  package static func run(arguments: [String], environment: Environment, now: () -> Int64) -> Int32?
  {
    guard arguments.count == 2, arguments[0] == "code", !arguments[1].hasPrefix("-"),
      let config = try? SharedConfig.load(environment: environment, validate: false),
      let profile = try? config.resolve(arguments[1]),
      profile.mfaSerial != nil || profile.oathAccount != nil,
      // mfa_process comes first, as for `env`: the full CLI runs it.
      profile.mfaProcess == nil,
      let directory = try? PCSCContext()
    else { return nil }
    let locator = KeyLocator(
      profile: profile,
      unlock: { (session, _) throws(OATHError) in throw .passwordRequired(key: session.label) })
    guard case .found(let key)? = try? locator.locate(in: directory, time: now()) else {
      return nil
    }
    do {
      let code = try key.consoleCode(
        mfaSerial: profile.mfaSerial, now: now(), store: KernelKeyring.store(for: environment),
        cue: { Cue.show($0) }, notice: { FileIO.write(fd: 2, Visible.text($0) + "\n") })
      return FileIO.write(fd: 1, code + "\n") ? 0 : 74
    } catch {
      FileIO.write(
        fd: 2,
        Visible.text("awsmfa: " + error.line) + "\n")
      return 69
    }
  }
}
