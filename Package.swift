// swift-tools-version:6.0
import PackageDescription

// No implicit `_StringProcessing` (Regex and its parser): nothing here uses it, and linked
// statically it costs each binary about a megabyte.
let lean: [SwiftSetting] = [
  .unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])
]

// Release executables are linked by lld with packed relative relocations (DT_RELR, glibc 2.36):
// the static Swift runtime's ~40 000 relocations shrink from a megabyte of table that every start
// pages in to a few kilobytes, which saves both size and resident memory.
let leanLink: [LinkerSetting] = [
  .unsafeFlags(
    ["-Xclang-linker", "-fuse-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
    .when(configuration: .release))
]

// The CLI's functions that a cold `env` runs come first in its .text (scripts/link-order.py
// writes the list), so the kernel maps a few hundred pages of code for it instead of most of
// the binary.
let cliLink =
  leanLink + [
    .unsafeFlags(
      [
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/packaging/awsmfa-cli.order",
        "-Xlinker", "--no-warn-symbol-ordering",
      ],
      .when(configuration: .release))
  ]

// Two executables: `awsmfa` is the small front binary that serves a cached `env` from the kernel
// keyring without linking networking, crypto or argument parsing (start-up time is the product);
// everything else is `awsmfa-cli`, which the front binary execs.
let package = Package(
  name: "awsmfa",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "awsmfa", targets: ["awsmfa"]),
    .executable(name: "awsmfa-cli", targets: ["AWSMFACLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(
      name: "CKeyutils",
      pkgConfig: "libkeyutils",
      providers: [.apt(["libkeyutils-dev"])]
    ),
    // No pkg-config: libpcsclite is loaded with dlopen (see shim.h), never linked.
    .systemLibrary(name: "CPCSCLite"),
    .systemLibrary(
      name: "COpenSSL",
      pkgConfig: "libssl",
      providers: [.apt(["libssl-dev"])]
    ),
    .systemLibrary(
      name: "CQRencode",
      pkgConfig: "libqrencode",
      providers: [.apt(["libqrencode-dev"])]
    ),
    .target(name: "AWSMFAKit", dependencies: ["CKeyutils"], swiftSettings: lean),
    // PC/SC and YKOATH without Foundation or cryptography: the front binary reads codes with it.
    .target(name: "AWSMFACard", dependencies: ["AWSMFAKit", "CPCSCLite"], swiftSettings: lean),
    .target(
      name: "AWSMFACore",
      dependencies: [
        "AWSMFAKit",
        "AWSMFACard",
        "CQRencode",
        "COpenSSL",
      ]
    ),
    .executableTarget(
      name: "awsmfa", dependencies: ["AWSMFAKit", "AWSMFACard"], swiftSettings: lean,
      linkerSettings: leanLink),
    .executableTarget(
      name: "AWSMFACLI",
      dependencies: [
        "AWSMFACore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/awsmfa-cli",
      linkerSettings: cliLink
    ),
    // One test target per module under test.
    .testTarget(name: "AWSMFAKitTests", dependencies: ["AWSMFAKit", "AWSMFACore"]),
    .testTarget(name: "AWSMFACoreTests", dependencies: ["AWSMFACore", "AWSMFAKit", "AWSMFACard"]),
    .testTarget(
      name: "AWSMFACLITests", dependencies: ["AWSMFACore", "AWSMFAKit", "AWSMFACLI"]),
  ]
)
