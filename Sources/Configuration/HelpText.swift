//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// `droverd --help`, written from ``SettingRegistry`` in argument-parser's layout.
public enum HelpText {
    public static let droverd: String = {
        var lines = [
            "OVERVIEW: Supervise a pool of web workers (Uvicorn by default) on shared sockets.",
            "",
            "Examples:",
            "  droverd -w 2 -b 127.0.0.1:8000 main:app",
            "  droverd -k command -b 127.0.0.1:8000 -- python3 server.py --fd {fd}",
            "",
            "Signals: TERM/INT graceful stop, QUIT quick stop, HUP reload (surge rollout),",
            "TTIN/TTOU one worker more/less, USR1 passed on to the workers.",
            "Configuration, lowest precedence first: defaults (the uvicorn-gunicorn image's, or",
            "Gunicorn's with a Gunicorn configuration file), the configuration file (drover.toml or",
            "gunicorn_conf.py), environment variables, these flags, GUNICORN_CMD_ARGS (Gunicorn's",
            "flags), DROVER_ARGS (any of these flags). Every Gunicorn 27 flag is accepted under",
            "Gunicorn's spelling; docs/GUNICORN.md says what each one does here.",
            "Exit status: 0 stopped, 1 could not run (e.g. bind failed), 2 bad configuration,",
            "3 a pool could not start, 4 the app could not be loaded (an import error); with",
            "--check-config, 0 valid, 1 not; a failing prestart script's own status.",
            "",
            "USAGE: droverd [<options>] [<APP_MODULE>] -- [<COMMAND> ...]",
            "",
            "ARGUMENTS:",
        ]
        let app = SettingRegistry.spec(.app)!
        lines += entry("<APP_MODULE>", describe(app))
        lines += entry("<COMMAND>", SettingRegistry.spec(.command)!.help)
        lines += ["", "OPTIONS:"]
        for spec in SettingRegistry.all where spec.listed && !spec.flags.isEmpty {
            var names = spec.flags.joined(separator: ", ")
            if let inversion = spec.inversion { names += "/" + inversion }
            if spec.shape != .flag { names += " <\(spec.valueName)>" }
            lines += entry(names, describe(spec))
        }
        lines += entry(
            "--check-config",
            "Check the configuration, print it with each value's source, and exit: 0 if valid, 1 if not."
        )
        lines += entry("--version", "Show the version.")
        lines += entry("-h, --help", "Show help information.")
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The help with `(env: …; default: …)` as argument-parser's help showed it.
    static func describe(_ spec: SettingSpec) -> String {
        var notes: [String] = []
        let variables = spec.environment
        if spec.setting == .app {
            notes.append("env: APP_MODULE, or MODULE_NAME and VARIABLE_NAME")
        } else if spec.setting == .bind {
            notes.append("env: BIND, or HOST and PORT")
        } else if !variables.isEmpty {
            notes.append("env: " + variables.joined(separator: ", "))
        }
        if let value = spec.defaultText { notes.append("default: " + value) }
        return notes.isEmpty ? spec.help : spec.help + " (" + notes.joined(separator: "; ") + ")"
    }

    /// An entry: the names, then the description wrapped at column 26 within 80 columns.
    private static func entry(_ names: String, _ description: String) -> [String] {
        let indent = String(repeating: " ", count: 26)
        var wrapped: [String] = []
        var line = ""
        for word in description.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > 54 {
                wrapped.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { wrapped.append(line) }
        let head = "  " + names
        var result: [String]
        if head.count <= 24 {
            result = [head + String(repeating: " ", count: 26 - head.count) + (wrapped.first ?? "")]
            wrapped = Array(wrapped.dropFirst())
        } else {
            result = [head]
        }
        return result + wrapped.map { indent + $0 }
    }
}
