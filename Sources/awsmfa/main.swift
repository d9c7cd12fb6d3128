// The front binary: serves a cached `env` straight from the kernel keyring and `code` straight
// from the YubiKey, and hands every other call to `awsmfa-cli` with execv. It links no
// networking, crypto or argument parser (and loads libpcsclite only for `code`), so the call a
// prompt hook or an `eval` makes costs about a process start.
import AWSMFACard
import AWSMFAKit

#if canImport(Glibc)
  import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
// Calls a prompt or a TAB makes are answered here: no config parsing beyond what they need.
if arguments.first == "hook", arguments.count == 2,
  let shell = InteractiveShell(rawValue: arguments[1])
{
  exit(FileIO.write(fd: 1, HookScript.text(for: shell)) ? 0 : ExitStatus.io)
}
if arguments.first == "__profiles" {
  // `__profiles [PREFIX]` prints names as they are; `__profiles --bash WORD` takes the word as
  // typed and prints each name escaped for insertion by bash.
  let bash = arguments.count == 3 && arguments[1] == "--bash"
  let typed = arguments.count > 1 ? arguments[arguments.count - 1] : ""
  let names = ProfileNames.matching(bash ? BashWord.dequote(typed) : typed, environment: .current())
  let text = names.map { (bash ? BashWord.escape($0) : $0) + "\n" }.joined()
  exit(FileIO.write(fd: 1, text) ? 0 : ExitStatus.io)
}
if arguments.first == "env" {
  let environment = Environment.current()
  // The payload read below is a secret: keep it out of core dumps.
  disableCoreDumps()
  if let text = FastPath.cachedEnv(
    arguments: arguments, environment: environment,
    store: KernelKeyring.forEnvironment(environment), now: epochNow())
  {
    exit(FileIO.write(fd: 1, text) ? 0 : ExitStatus.io)
  }
}
if arguments.first == "code" {
  disableCoreDumps()
  if let status = FastCode.run(arguments: arguments, environment: .current(), now: { epochNow() }) {
    exit(status)
  }
}

/// The full CLI: beside this binary (a build tree), else in `../libexec/awsmfa/` (an install).
func fullCLIPath() -> String? {
  var buffer = [CChar](repeating: 0, count: 4096)
  let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  guard length > 0 else { return nil }
  let selfPath = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  guard let slash = selfPath.lastIndex(of: "/") else { return nil }
  let directory = String(selfPath[..<slash])
  for candidate in [directory + "/awsmfa-cli", directory + "/../libexec/awsmfa/awsmfa-cli"]
  where access(candidate, X_OK) == 0 {
    return candidate
  }
  return nil
}

guard let cli = fullCLIPath() else {
  FileIO.write(
    fd: 2,
    "awsmfa: cannot find awsmfa-cli beside this binary or in ../libexec/awsmfa; reinstall awsmfa.\n"
  )
  exit(ExitStatus.internalError)
}
var argv: [UnsafeMutablePointer<CChar>?] = (["awsmfa"] + arguments).map { strdup($0) } + [nil]
// The full CLI lowers the limit itself and must learn the user's own to pass on to children.
restoreCoreDumps()
execv(cli, &argv)
FileIO.write(fd: 2, "awsmfa: cannot run \(cli): \(String(cString: strerror(errno))).\n")
exit(ExitStatus.internalError)
