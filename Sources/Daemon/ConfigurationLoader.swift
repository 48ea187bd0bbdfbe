//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Glibc

/// Reads what the configuration is made of (the file, the CPU count, the app directory)
/// and hands it to the pure ``ConfigurationResolver``; at start-up and on every reload.
struct ConfigurationLoader {
    let options: DaemonOptions
    /// droverd's environment (after the prestart script, once it has run).
    var environment: [(String, String)]
    /// `-c`/`DROVER_CONF` made absolute before droverd changed directory.
    var explicitFile: (path: String, by: String)?
    /// Names of the sockets systemd passed in.
    var inheritedSockets: [String] = []

    var environmentDictionary: [String: String] {
        Dictionary(environment, uniquingKeysWith: { _, last in last })
    }

    /// The file named by `-c` or `DROVER_CONF` (which must exist), else the first of
    /// `drover.toml` and `app/drover.toml` in the app directory, else none.
    func readFile() throws(ConfigurationError) -> ConfigurationFile? {
        let path: String
        if let explicitFile {
            path = explicitFile.path
            guard let text = readTextFile(path) else {
                throw ConfigurationError("\(explicitFile.by): \(path): \(errnoText())")
            }
            return try ConfigurationFile(path: path, text: text)
        }
        guard let found = ConfigurationResolver.defaultFiles.first(where: SystemFacts.isRegularFile) else { return nil }
        path = found
        guard let text = readTextFile(path) else { throw ConfigurationError("\(path): \(errnoText())") }
        return try ConfigurationFile(path: path, text: text)
    }

    func inputs(file: ConfigurationFile?) -> ConfigurationInputs {
        ConfigurationInputs(
            options: options,
            environment: environmentDictionary,
            file: file,
            cores: SystemFacts.cores(),
            fileExists: { SystemFacts.isRegularFile($0) },
            inheritedSockets: inheritedSockets
        )
    }

    /// Reads the file and resolves the configuration, then checks what only the system can:
    /// the programs exist, the TLS files are readable.
    func load() throws(ConfigurationError) -> Configuration {
        let configuration = try ConfigurationResolver.resolve(inputs(file: try readFile()))
        try check(configuration)
        return configuration
    }

    func check(_ configuration: Configuration) throws(ConfigurationError) {
        let path = environmentDictionary["PATH"]
        for pool in configuration.pools {
            let program: String
            switch pool.kind {
            case .uvicorn(let options):
                program = options.launcher
                if let tls = options.certificate {
                    for file in [tls.certificate, tls.key] where access(file, R_OK) != 0 {
                        throw ConfigurationError("pool \(pool.name): TLS file \(file): \(errnoText())")
                    }
                }
            case .command(let arguments):
                program = CommandTemplate.expand(arguments[0], binds: pool.binds)
            }
            do {
                _ = try ProgramLocator.find(program, path: path)
            } catch {
                throw ConfigurationError("pool \(pool.name): \(error.description)")
            }
        }
    }
}
