//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// docs/SETTINGS.md's table, written from ``SettingRegistry``: every droverd setting with its
/// `drover.toml` key, flags, environment variables, Gunicorn name, scope and default.
public enum SettingsTable {
    public static var markdown: String {
        let header = """
            # droverd's settings

            Every setting droverd has, from its settings registry (a test keeps this file equal to
            what the registry writes: `DROVER_WRITE_DOCS=1 swift test --filter GunicornTableTests`).
            Lowest precedence first, a value comes from: the defaults (the seed image's, or
            Gunicorn's when a Gunicorn configuration file is in use), the configuration file
            (`drover.toml`, or a Gunicorn `gunicorn_conf.py`), the environment, droverd's command
            line, `GUNICORN_CMD_ARGS` (Gunicorn's flags, with Gunicorn's meanings) and
            `DROVER_ARGS` (any flag). *Pool* settings may also be set in a `[pools.NAME]` table.
            Gunicorn's settings that Drover has no setting for are in [GUNICORN.md](GUNICORN.md).

            | key | flags | environment | Gunicorn | scope | default | meaning |
            |---|---|---|---|---|---|---|

            """
        let rows = SettingRegistry.all.map { spec -> String in
            var flags = spec.droverFlags
            if spec.setting == .app { flags = ["APP_MODULE (positional)"] }
            if spec.setting == .command { flags = ["-- COMMAND …"] }
            let gunicornOnly = spec.gunicornCommandFlags.filter { !flags.contains($0) }
            let flagText = (flags.map { "`\($0)`" } + gunicornOnly.map { "`\($0)` (Gunicorn's)" })
                .joined(separator: ", ")
            let key = spec.inFile ? "`\(spec.setting.rawValue)`" : "(\(spec.setting.rawValue), not in drover.toml)"
            let cells = [
                key, flagText, spec.environment.map { "`\($0)`" }.joined(separator: ", "),
                spec.gunicorn.map { "`\($0)`" } ?? "", spec.scope.rawValue,
                spec.defaultText.map { "`\($0)`" } ?? "", spec.help,
            ]
            return "| " + cells.map { $0.replacing("|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        return header + rows.joined(separator: "\n") + "\n"
    }
}
