//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

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

    static func layer(_ options: DaemonOptions, origin: Origin) -> Layer {
        var layer: Layer = [:]
        if let app = options.appModule {
            layer[.app] = Entry(value: .text(app), source: origin.source(Setting.app.flag))
        }
        if !options.command.isEmpty {
            layer[.command] = Entry(value: .list(options.command), source: origin.source(Setting.command.flag))
        }
        for given in options.given {
            // A repeated list flag adds to the list; any other flag given again wins.
            if case .list(let more) = given.value, case .list(let earlier)? = layer[given.setting]?.value {
                layer[given.setting]?.value = .list(earlier + more)
            } else {
                layer[given.setting] = Entry(value: given.value, source: origin.source(given.flag))
            }
        }
        return layer
    }

    /// Gunicorn settings Drover ignores or refuses that the flags named, with their culprits.
    static func gunicornOnly(_ options: DaemonOptions, origin: Origin) -> [GunicornMention] {
        options.gunicornOnly.map {
            GunicornMention(setting: $0.setting, culprit: origin.source($0.flag).culprit($0.setting.name))
        }
    }

    /// Parses the flags in an environment variable (`DROVER_ARGS`, `GUNICORN_CMD_ARGS`).
    static func parse(
        variable name: String,
        _ text: String,
        dialect: DaemonOptions.Dialect
    ) throws(ConfigurationError) -> DaemonOptions {
        let words = try ArgumentSplitter.split(text, variable: name)
        do throws(ConfigurationError) {
            let options = try DaemonOptions.parse(words, dialect: dialect)
            if options.help || options.version || options.checkConfig {
                throw ConfigurationError("--help, --version and --check-config belong on droverd's command line")
            }
            return options
        } catch {
            throw ConfigurationError("\(name): \(error.message)")
        }
    }
}

/// A Gunicorn setting Drover has no use for, and where it was set (for its notice or error).
struct GunicornMention: Sendable {
    let setting: GunicornOnlySetting
    let culprit: String
}
