// swift-tools-version:6.0
//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Coverage-guided fuzzing (libFuzzer) of what droverd parses from strangers: control lines,
// and the JSON droverctl reads back. Kept out of the main package: its target has no `main`
// and links only with `-sanitize=fuzzer`. Run it with ../scripts/fuzz-control.

import PackageDescription

let package = Package(
    name: "drover-fuzz",
    dependencies: [.package(name: "drover", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzControl",
            dependencies: [.product(name: "DroverShared", package: "drover")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
