// swift-tools-version:6.1
//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "drover",
    products: [
        .executable(name: "droverd", targets: ["droverd"]),
        .executable(name: "droverctl", targets: ["droverctl"]),
        // For the fuzzing package in fuzz/ (what droverd parses from strangers lives here).
        .library(name: "DroverShared", targets: ["DroverShared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        // The ops listener's /metrics: swift-prometheus's registry and text exposition.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C: what Swift's Glibc module hides (vfork spawn, memfd, SCM_CREDENTIALS, prctl).
        .target(name: "CDroverShim", path: "Sources/CDroverShim"),
        // C: runs TOMLKit's parser under a guard, so an assertion inside it is an error, not an abort.
        .target(
            name: "CTOMLGuard",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            path: "Sources/CTOMLGuard"
        ),
        .systemLibrary(
            name: "CSystemd",
            path: "Sources/CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // Pure: configuration model, bind addresses, status shapes, JSON. No syscalls.
        .target(
            name: "DroverShared",
            path: "Sources/Shared",
            swiftSettings: swiftSettings
        ),
        // Pure: droverd's configuration from defaults, drover.toml, the environment and flags.
        .target(
            name: "DroverConfiguration",
            dependencies: [
                "DroverShared",
                "CTOMLGuard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            path: "Sources/Configuration",
            swiftSettings: swiftSettings
        ),
        // Pure: the supervision state machine. Events in, actions out.
        .target(
            name: "DroverCore",
            dependencies: ["DroverShared"],
            path: "Sources/Core",
            swiftSettings: swiftSettings
        ),
        // The daemon's shells around the core, as a library: tests run its parts in-process.
        .target(
            name: "DroverDaemon",
            dependencies: [
                "DroverCore",
                "DroverShared",
                "DroverConfiguration",
                "CDroverShim",
                "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/DroverDaemon",
            swiftSettings: swiftSettings
        ),
        // droverd itself: parse, build, run.
        .executableTarget(
            name: "droverd",
            dependencies: ["DroverDaemon", "DroverConfiguration", "DroverShared"],
            path: "Sources/droverd",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "droverctl",
            dependencies: [
                "DroverShared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Ctl",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["DroverCore", "DroverShared"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["DroverShared"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConfigurationTests",
            dependencies: [
                "DroverConfiguration",
                "DroverShared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "DroverDaemon",
                "DroverCore",
                "DroverShared",
                "DroverConfiguration",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["droverd", "droverctl"],
            swiftSettings: swiftSettings
        ),
    ]
)
