import AWSMFACore
import AWSMFAKit
import Foundation
import Testing

/// A small deterministic generator (SplitMix64), so every run tests the same inputs.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct FuzzTests {
  static let valid = Array(
    """
    [default]
    region = eu-west-1
    [profile prod]
    role_arn = arn:aws:iam::1:role/x
    source_profile = base
    s3 =
      max_concurrent_requests = 20
    [base]
    aws_access_key_id = AKID
    """.utf8)

  /// Mutated configs and random bytes: the parser returns sections or an error, never crashes
  /// or hangs, and every error names a line inside the input.
  @Test func configParserSurvivesMutations() {
    var rng = SeededGenerator(seed: 20_261_128)
    let alphabet = Array("[]=:#; \t\r\nabcprofile\u{FEFF}é\"'".utf8) + [0, 0xFF, 0xC3]
    for round in 0..<20_000 {
      var bytes = Self.valid
      if round % 10 == 0 {
        bytes = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in
          UInt8.random(in: 0...255, using: &rng)
        }
      } else {
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
          let at = Int.random(in: 0...bytes.count, using: &rng)
          switch Int.random(in: 0..<3, using: &rng) {
          case 0: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
          case 1: if at < bytes.count { bytes.remove(at: at) }
          default: if at < bytes.count { bytes[at] = alphabet.randomElement(using: &rng) ?? 0 }
          }
        }
      }
      // LF, CRLF and lone CR all end a line.
      let lines = bytes.filter { $0 == 10 || $0 == 13 }.count + 1
      do {
        _ = try INIFile.parse(bytes: bytes, path: "fuzz")
        let text = String(decoding: bytes, as: UTF8.self)
        let config = try SharedConfig(
          configPath: "c", credentialsPath: "k", configText: text, credentialsText: text)
        for name in config.profileNames { _ = try? config.resolve(name) }
      } catch let error as INIParseError {
        #expect((1...lines).contains(error.line), "round \(round): line \(error.line) of \(lines)")
      } catch {
        Issue.record("round \(round): \(error)")
      }
    }
  }

  /// The cached path's header walk (memchr from `[` to `[`, no validation) and the full one
  /// (line by line, validated, indexed) agree on every profile of every file the full one
  /// accepts: same names, same resolution or the same error.
  @Test func fastAndFullLookupsAgree() throws {
    var rng = SeededGenerator(seed: 20_261_130)
    let pieces = [
      "[default]\n", "[profile a]\n", "[profile b]\n", "[ profile c]\n", "[profile \"d e\"]\n",
      "  [profile a]\n", "[DEFAULT]\n", "[services s]\n", "[profile  a]\n", "[profile a ]\n",
      "region = eu-west-1\n", "region = us-east-2\n", "source_profile = b\n",
      "role_arn = arn:aws:iam::1:role/r\n", "aws_access_key_id = AKID\n",
      "aws_secret_access_key = S\n", "mfa_serial = arn:aws:iam::1:mfa/u\n", "  x = [y]\n",
      "# [profile b]\n", "\n", "s3 =\n", "sts =\n  endpoint_url = http://127.0.0.1:1\n",
      "services = s\n", "k = v [profile z]\n", "\r",
    ]
    var compared = 0
    for _ in 0..<3000 {
      let text = (0..<Int.random(in: 1...14, using: &rng)).map { _ in
        pieces.randomElement(using: &rng) ?? ""
      }.joined()
      let credentials =
        Bool.random(using: &rng) ? "[b]\naws_access_key_id = X\naws_secret_access_key = Y\n" : ""
      guard
        let full = try? SharedConfig(
          configPath: "c", credentialsPath: "k", configText: text, credentialsText: credentials)
      else { continue }
      let fast = try SharedConfig(
        configPath: "c", credentialsPath: "k", configText: text, credentialsText: credentials,
        validate: false)
      #expect(fast.profileNames == full.profileNames, "\(text)")
      for name in full.profileNames + ["a", "b", "default", "zz"] {
        let one = Result { try full.resolve(name) }.map(\.roles.count)
        let other = Result { try fast.resolve(name) }.map(\.roles.count)
        // Suggestions ("did you mean") come from a full load only.
        let plain = { (text: String) in
          text.components(separatedBy: " Did you mean").first?.replacingOccurrences(
            of: ")", with: "")
            ?? ""
        }
        #expect(
          plain(String(describing: one)) == plain(String(describing: other)), "\(name) in \(text)")
        // Line numbers aside (the cached path does not count lines), the same keys and values.
        let first = try? full.settings(name).map { [$0.merged.keys, $0.merged.values] }
        let second = try? fast.settings(name).map { [$0.merged.keys, $0.merged.values] }
        #expect(first == second, "\(name) in \(text)")
        compared += 1
      }
    }
    #expect(compared > 1000)
  }

  /// Random and truncated TLV/APDU answers: decoded or refused with an error, never a crash.
  @Test func tlvDecoderSurvivesRandomBytes() {
    var rng = SeededGenerator(seed: 7)
    for _ in 0..<50_000 {
      let count = Int.random(in: 0..<64, using: &rng)
      var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
      if !bytes.isEmpty, Bool.random(using: &rng) {
        bytes[0] = [0x71, 0x74, 0x75, 0x76, 0x77, 0x79][Int(bytes[0] % 6)]
      }
      if bytes.count > 1, Bool.random(using: &rng) {
        bytes[1] = [0x81, 0x82, 0x83, 0xFF][Int(bytes[1] % 4)]
      }
      _ = try? TLV.decode(bytes)
      _ = try? APDUResponse(raw: bytes)
    }
  }

  /// Thousands of hostile values, quoted for each shell and evaluated by the real shell: each
  /// comes back exactly, and nothing in them ever runs (the canary file never appears).
  @Test(arguments: ["bash", "zsh", "fish"])
  func quotedValuesSurviveRealShells(shell: String) throws {
    var rng = SeededGenerator(seed: 42)
    let canary = NSTemporaryDirectory() + "awsmfa-canary-\(UUID().uuidString)"
    let specials = [
      "'", "\"", "\\", "$", "`", "$(touch \(canary))", "`touch \(canary)`", ";touch \(canary);",
      "&", "|",
      "\n", "\t", " ", "*", "?", "[", "]", "{", "}", "(", ")", "~", "#", "!", "%", "^", "\r", "é",
      "\u{1F600}",
      "\u{FFFD}", "\\'", "'\\''", "\\n", "--", "-e", "=", "\u{7F}", "\u{1B}[31m",
    ]
    var values: [String] = []
    for _ in 0..<3000 {
      var value = ""
      for _ in 0..<Int.random(in: 0..<6, using: &rng) {
        value +=
          Bool.random(using: &rng)
          ? (specials.randomElement(using: &rng) ?? "")
          : String(Int.random(in: 0..<999, using: &rng))
      }
      values.append(value)
    }
    var script = ""
    for value in values {
      if shell == "fish" {
        script += "set -gx V \(ShellQuote.fish(value)); printf '%s\\0' \"$V\"\n"
      } else {
        script += "export V=\(ShellQuote.posix(value)); printf '%s\\0' \"$V\"\n"
      }
    }
    let file = NSTemporaryDirectory() + "awsmfa-fuzz-\(UUID().uuidString).\(shell)"
    try script.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      shell == "fish"
      ? ["fish", "--no-config", file]
      : shell == "zsh" ? ["zsh", "-f", file] : ["bash", "--norc", file]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(shell) must be installed")
    let back = output.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
      String(decoding: $0, as: UTF8.self)
    }
    #expect(back.count == values.count)
    for (index, value) in values.enumerated() where index < back.count && back[index] != value {
      Issue.record("\(shell) turned \(Quote.human(value)) into \(Quote.human(back[index]))")
      break
    }
    #expect(!FileManager.default.fileExists(atPath: canary))
  }
}
