import AWSMFAKit
import ArgumentParser
import Foundation

/// `awsmfa completion SHELL`: the tab-completion script, generated from the command tree so that
/// it names every subcommand, option and value; profile names come from `awsmfa __profiles`.
struct Completion: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the tab-completion script for a shell.",
    discussion: """
      bash: awsmfa completion bash > ~/.local/share/bash-completion/completions/awsmfa; \
      zsh: awsmfa completion zsh > a directory in $fpath, as _awsmfa; \
      fish: awsmfa completion fish > ~/.config/fish/completions/awsmfa.fish.
      """)

  @Argument(help: "The shell: bash, zsh or fish.")
  var shell: InteractiveShell

  func run() throws {
    let tree = try CommandTable.load()
    switch shell {
    case .bash: Stdout.write(CompletionScript.bash(tree))
    case .zsh: Stdout.write(CompletionScript.zsh(tree))
    case .fish: Stdout.write(CompletionScript.fish(tree))
    }
  }
}

/// The completion scripts, one file per shell.
enum CompletionScript {}

/// One subcommand as completion sees it, read from ArgumentParser's own description of the tree.
struct CommandTable {
  /// One option or flag.
  struct Option {
    var names: [String]
    var takesValue: Bool
    var values: [String]
    var help: String
  }

  var name: String
  var help: String
  var options: [Option]
  /// Whether the first positional argument is a profile name.
  var takesProfile: Bool
  /// Whether every positional argument is a profile name (`clear PROFILE…`).
  var takesProfiles: Bool
  /// The values of the first positional argument, when it has a fixed set.
  var positionalValues: [String]
  /// Nested subcommands (`device enroll`), named by their own word.
  var subcommands: [CommandTable] = []

  /// Every command with its path (`env`, `device/enroll`), parents before their children.
  static func flattened(_ tree: [CommandTable]) -> [(path: String, command: CommandTable)] {
    tree.flatMap { command in
      [(command.name, command)] + command.subcommands.map { (command.name + "/" + $0.name, $0) }
    }
  }

  /// The root's subcommands, from `--experimental-dump-help` of this very executable.
  static func load() throws -> [CommandTable] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = ["--experimental-dump-help"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
      let root = json["command"] as? [String: Any]
    else { throw ValidationError("Cannot read the command tree.") }
    return children(of: root)
  }

  /// The displayed subcommands of `command` (ArgumentParser's `help` is not one to complete into).
  static func children(of command: [String: Any]) -> [CommandTable] {
    let subcommands = command["subcommands"] as? [[String: Any]] ?? []
    return subcommands.filter { $0["shouldDisplay"] as? Bool ?? true }.map(table)
  }

  static func table(_ command: [String: Any]) -> CommandTable {
    let arguments = (command["arguments"] as? [[String: Any]] ?? []).filter {
      $0["shouldDisplay"] as? Bool ?? true
    }
    let positional = arguments.first { $0["kind"] as? String == "positional" }
    let options = arguments.filter { $0["kind"] as? String != "positional" }.map { argument in
      let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name -> String? in
        guard let text = name["name"] as? String else { return nil }
        return (name["kind"] as? String == "short" ? "-" : "--") + text
      }
      return Option(
        names: names, takesValue: argument["kind"] as? String == "option",
        values: argument["allValues"] as? [String] ?? [],
        help: argument["abstract"] as? String ?? "")
    }
    return CommandTable(
      name: command["commandName"] as? String ?? "", help: command["abstract"] as? String ?? "",
      options: options,
      takesProfile: ["profile", "profiles"].contains(positional?["valueName"] as? String),
      takesProfiles: positional?["valueName"] as? String == "profiles",
      positionalValues: positional?["allValues"] as? [String] ?? [],
      subcommands: command["subcommands"] == nil
        ? [] : children(of: command).filter { $0.name != "help" })
  }
}
