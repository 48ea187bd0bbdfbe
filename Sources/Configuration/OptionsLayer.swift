//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared

/// The values given as flags: on the command line, in `DROVER_ARGS`, or in `GUNICORN_CMD_ARGS`.
enum OptionsLayer {
    /// Where a set of flags was written.
    enum Origin {
        case commandLine
        case variable(String)

        func source(_ flag: String) -> ValueSource {
            switch self {
            case .commandLine: .flag(flag)
            case .variable(let name): .argumentVariable(name, flag: flag)
            }
        }
    }

    /// The flags Gunicorn has too: the only ones `GUNICORN_CMD_ARGS` may set.
    static let gunicornSettings: Set<Setting> = [
        .config, .bind, .workers, .workerClass, .timeout, .gracefulTimeout, .keepAlive, .logLevel,
        .accessLogfile, .errorLogfile, .chdir, .pid, .certfile, .keyfile, .maxRequests, .maxRequestsJitter, .reload,
    ]

    static func layer(_ options: DaemonOptions, origin: Origin) -> Layer {
        var layer: Layer = [:]
        func put(_ setting: Setting, _ value: RawValue?) {
            guard let value else { return }
            layer[setting] = Entry(value: value, source: origin.source(setting.flag))
        }
        put(.app, options.appModule.map(RawValue.text))
        put(.command, options.command.isEmpty ? nil : .list(options.command))
        put(.config, options.config.map(RawValue.text))
        put(.bind, options.bind.isEmpty ? nil : .list(options.bind))
        put(.workers, options.workers.map(RawValue.text))
        put(.workerClass, options.workerClass.map(RawValue.text))
        put(.timeout, options.timeout.map(RawValue.text))
        put(.gracefulTimeout, options.gracefulTimeout.map(RawValue.text))
        put(.bootTimeout, options.bootTimeout.map(RawValue.text))
        put(.keepAlive, options.keepAlive.map(RawValue.text))
        put(.logLevel, options.logLevel.map(RawValue.text))
        put(.logFormat, options.logFormat.map(RawValue.text))
        put(.accessLogfile, options.accessLogfile.map(RawValue.text))
        put(.errorLogfile, options.errorLogfile.map(RawValue.text))
        put(.chdir, options.chdir.map(RawValue.text))
        put(.pid, options.pid.map(RawValue.text))
        put(.certfile, options.certfile.map(RawValue.text))
        put(.keyfile, options.keyfile.map(RawValue.text))
        put(.maxRequests, options.maxRequests.map(RawValue.text))
        put(.maxRequestsJitter, options.maxRequestsJitter.map(RawValue.text))
        put(.reload, options.reload ? .boolean(true) : nil)
        put(.reloadInclude, options.reloadInclude.isEmpty ? nil : .list(options.reloadInclude))
        put(.reloadExclude, options.reloadExclude.isEmpty ? nil : .list(options.reloadExclude))
        put(.controlSocket, options.controlSocket.map(RawValue.text))
        put(.controlGroup, options.controlGroup.map(RawValue.text))
        put(.name, options.name.map(RawValue.text))
        put(.prestart, options.prestart.map(RawValue.text))
        put(.launcher, options.launcher.map(RawValue.text))
        put(.waitReady, options.waitReady.map(RawValue.boolean))
        return layer
    }

    /// Parses the flags in an environment variable (`DROVER_ARGS`, `GUNICORN_CMD_ARGS`).
    static func parse(variable name: String, _ text: String) throws(ConfigurationError) -> DaemonOptions {
        let words = try ArgumentSplitter.split(text, variable: name)
        do {
            return try DaemonOptions.parse(words)
        } catch {
            throw ConfigurationError("\(name): " + firstLine(DaemonOptions.message(for: error)))
        }
    }

    /// `GUNICORN_CMD_ARGS`: Gunicorn's flags only; a positional app is ignored, as Gunicorn does.
    static func gunicornLayer(_ text: String) throws(ConfigurationError) -> Layer {
        let name = "GUNICORN_CMD_ARGS"
        var layer = layer(try parse(variable: name, text), origin: .variable(name))
        layer[.app] = nil
        for setting in layer.keys.sorted(by: { $0.rawValue < $1.rawValue }) where !gunicornSettings.contains(setting) {
            throw ConfigurationError("\(name): \(setting.flag) is not a Gunicorn flag; put it in DROVER_ARGS")
        }
        if case .text(let path)? = layer[.config]?.value, path.hasSuffix(".py") {
            throw ConfigurationError(
                "\(name): -c \(path): Drover reads a TOML file (drover.toml), not Gunicorn's Python configuration"
            )
        }
        return layer
    }

    static func firstLine(_ text: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? text
    }
}
