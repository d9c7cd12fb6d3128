import AWSMFACore
import AWSMFAKit
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

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
    children(of: try DumpedTool.load().command)
  }

  /// The displayed subcommands of `command` (ArgumentParser's `help` is not one to complete into).
  static func children(of command: DumpedTool.Command) -> [CommandTable] {
    (command.subcommands ?? []).filter { $0.shouldDisplay ?? true }.map(table)
  }

  static func table(_ command: DumpedTool.Command) -> CommandTable {
    let arguments = (command.arguments ?? []).filter { $0.shouldDisplay ?? true }
    let positional = arguments.first { $0.kind == "positional" }
    let options = arguments.filter { $0.kind != "positional" }.map { argument in
      Option(
        names: (argument.names ?? []).map { ($0.kind == "short" ? "-" : "--") + $0.name },
        takesValue: argument.kind == "option", values: argument.allValues ?? [],
        help: argument.abstract ?? "")
    }
    return CommandTable(
      name: command.commandName, help: command.abstract ?? "", options: options,
      takesProfile: ["profile", "profiles"].contains(positional?.valueName),
      takesProfiles: positional?.valueName == "profiles",
      positionalValues: positional?.allValues ?? [],
      subcommands: command.subcommands == nil
        ? [] : children(of: command).filter { $0.name != "help" })
  }
}

/// The part of ArgumentParser's `--experimental-dump-help` JSON completion reads.
struct DumpedTool: Decodable {
  struct Name: Decodable {
    var kind: String
    var name: String
  }
  struct Argument: Decodable {
    var kind: String
    var shouldDisplay: Bool?
    var isOptional: Bool?
    var isRepeating: Bool?
    var names: [Name]?
    var valueName: String?
    var allValues: [String]?
    var abstract: String?
  }
  struct Command: Decodable {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var shouldDisplay: Bool?
    var subcommands: [Command]?
    var arguments: [Argument]?
  }
  var command: Command

  /// ArgumentParser's own description of this very executable's tree.
  static func load() throws -> DumpedTool {
    let output: [UInt8]
    do {
      output = try Supervisor.capture(["/proc/self/exe", "--experimental-dump-help"])
    } catch {
      throw ValidationError("Cannot read the command tree: \(error).")
    }
    guard let tool = try? JSONDecoder().decode(DumpedTool.self, from: Data(output)) else {
      throw ValidationError("Cannot read the command tree.")
    }
    return tool
  }
}
