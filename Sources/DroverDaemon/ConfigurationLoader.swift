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
    /// Where what a Gunicorn configuration file prints goes: stdout, or stderr when stdout is
    /// `--check-config`'s JSON.
    var configurationOutput: Int32 = 1

    var environmentDictionary: [String: String] {
        Dictionary(environment, uniquingKeysWith: { _, last in last })
    }

    /// The configuration file: the one named by `-c`, `DROVER_CONF` or `GUNICORN_CONF` (which must
    /// exist), else the first of `drover.toml` and `app/drover.toml` in the app directory, else
    /// the first of `gunicorn_conf.py`, `app/gunicorn_conf.py` and `gunicorn.conf.py`, else none.
    /// A Python file is Gunicorn's: it is executed only when `python` is true (not before the
    /// prestart script, whose exports it may read).
    func readFile(python: Bool = true) throws(ConfigurationError) -> (ConfigurationFile?, PythonConfigurationFile?) {
        if let explicitFile {
            let path = explicitFile.path
            if ConfigurationResolver.isPython(path) {
                guard SystemFacts.isRegularFile(path) else {
                    throw ConfigurationError(
                        "\(explicitFile.by): \(path): \(access(path, F_OK) == 0 ? "not a regular file" : errnoText())"
                    )
                }
                return (nil, python ? try readPython(path) : nil)
            }
            guard let text = readTextFile(path) else {
                throw ConfigurationError("\(explicitFile.by): \(path): \(errnoText())")
            }
            return (try ConfigurationFile(path: path, text: text), nil)
        }
        if let found = ConfigurationResolver.defaultFiles.first(where: SystemFacts.isRegularFile) {
            guard let text = readTextFile(found) else { throw ConfigurationError("\(found): \(errnoText())") }
            return (try ConfigurationFile(path: found, text: text), nil)
        }
        guard python, let found = ConfigurationResolver.defaultPythonFiles.first(where: SystemFacts.isRegularFile)
        else {
            return (nil, nil)
        }
        return (nil, try readPython(found))
    }

    /// Whether the configuration file is a Gunicorn one (Python), which only the launcher can read.
    var usesPythonFile: Bool {
        if let explicitFile { return ConfigurationResolver.isPython(explicitFile.path) }
        return !ConfigurationResolver.defaultFiles.contains(where: SystemFacts.isRegularFile)
            && ConfigurationResolver.defaultPythonFiles.contains(where: SystemFacts.isRegularFile)
    }

    /// A Gunicorn configuration file found next to a drover.toml that is read instead, if any.
    func shadowedPythonFile() -> String? {
        guard explicitFile == nil, ConfigurationResolver.defaultFiles.contains(where: SystemFacts.isRegularFile) else {
            return nil
        }
        return ConfigurationResolver.defaultPythonFiles.first(where: SystemFacts.isRegularFile)
    }

    private func readPython(_ path: String) throws(ConfigurationError) -> PythonConfigurationFile {
        try PythonConfigurationReader.read(
            path: path,
            launcher: ConfigurationResolver.launcher(options: options, environment: environmentDictionary),
            environment: environment,
            standardOutput: configurationOutput
        )
    }

    func inputs(file: ConfigurationFile?, python: PythonConfigurationFile? = nil) -> ConfigurationInputs {
        ConfigurationInputs(
            options: options,
            environment: environmentDictionary,
            file: file,
            python: python,
            cpu: SystemFacts.cpuReading(),
            fileExists: { SystemFacts.isRegularFile($0) },
            inheritedSockets: inheritedSockets
        )
    }

    /// Reads the file and resolves the configuration, then checks what only the system can:
    /// the programs exist, the TLS files are readable.
    func load() throws(ConfigurationError) -> Configuration {
        let (file, python) = try readFile()
        var configuration = try ConfigurationResolver.resolve(inputs(file: file, python: python))
        if let shadowed = shadowedPythonFile() {
            configuration.warnings.append(
                "\(shadowed) is not read: \(configuration.file ?? "drover.toml") is (Drover's own file wins; name the Python file with -c or GUNICORN_CONF to use it instead)"
            )
        }
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
                program = CommandTemplate.expand(arguments[0], binds: pool.binds, probe: pool.readyProbe != nil)
            }
            do {
                _ = try ProgramLocator.find(program, path: path)
            } catch {
                throw ConfigurationError("pool \(pool.name): \(error.description)")
            }
        }
    }
}
