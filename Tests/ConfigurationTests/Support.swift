//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

/// Resolves a configuration the way droverd does, from text: arguments, environment, an
/// optional drover.toml, a CPU count and the files present in the app directory.
func resolve(
    _ arguments: [String] = [],
    environment: [String: String] = [:],
    toml: String? = nil,
    cores: Int = 2,
    cpu: CPUReading? = nil,
    files: Set<String> = ["main.py"]
) throws -> Configuration {
    let options = try DaemonOptions.parse(arguments)
    let file = try toml.map { try ConfigurationFile(path: "drover.toml", text: $0) }
    return try ConfigurationResolver.resolve(
        ConfigurationInputs(
            options: options,
            environment: environment,
            file: file,
            cores: cores,
            cpu: cpu,
            fileExists: { files.contains($0) }
        )
    )
}

/// The error message resolving gives (the test fails if it succeeds).
func resolveError(
    _ arguments: [String] = [],
    environment: [String: String] = [:],
    toml: String? = nil,
    files: Set<String> = ["main.py"]
) -> String {
    do {
        _ = try resolve(arguments, environment: environment, toml: toml, files: files)
        Issue.record("expected an error")
        return ""
    } catch let error as ConfigurationError {
        return error.message
    } catch {
        return "\(error)"
    }
}

extension Configuration {
    var web: PoolConfiguration { pools[0] }

    var uvicorn: UvicornOptions {
        guard case .uvicorn(let options) = pools[0].kind else { fatalError("not a uvicorn pool") }
        return options
    }
}
