import AWSMFAKit
import ArgumentParser

extension InteractiveShell: ExpressibleByArgument {}

/// `awsmfa hook SHELL`: the prompt hook to eval in an rc file (the front binary answers this
/// call itself; this command serves `--help` and bad arguments).
struct Hook: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the prompt hook that refreshes credentials before they expire.",
    discussion: """
      bash: eval "$(awsmfa hook bash)" in ~/.bashrc; zsh: eval "$(awsmfa hook zsh)" in ~/.zshrc; \
      fish: awsmfa hook fish | source in config.fish. Defines awsmfa-use PROFILE and awsmfa-off.
      """)

  @Argument(help: "The shell: bash, zsh or fish.")
  var shell: InteractiveShell

  func run() {
    Stdout.write(HookScript.text(for: shell))
  }
}
