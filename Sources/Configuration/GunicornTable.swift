//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// docs/GUNICORN.md's table, written from ``SettingRegistry`` and ``GunicornOnlySetting``: every
/// Gunicorn 27 setting, its flags, and what Drover does with it.
public enum GunicornTable {
    /// Every Gunicorn setting name Drover knows, sorted.
    public static var names: [String] {
        (SettingRegistry.all.compactMap(\.gunicorn) + GunicornOnlySetting.all.map(\.name)).sorted()
    }

    public static var markdown: String {
        var rows: [(String, String)] = []
        for spec in SettingRegistry.all {
            guard let name = spec.gunicorn else { continue }
            let flags = spec.gunicornCommandFlags.map { "`\($0)`" }.joined(separator: ", ")
            let what: String
            if spec.launcher != nil {
                what = "**same**, in each worker: droverd checks it and passes it to the launcher. \(spec.help)"
            } else {
                what = "**same**: Drover's `\(spec.setting.rawValue)`. \(spec.help)"
            }
            rows.append((name, "| `\(name)` | \(flags) | \(what) |"))
        }
        for setting in GunicornOnlySetting.all {
            let flags = setting.flags.map { "`\($0)`" }.joined(separator: ", ")
            let what: String
            switch setting.status {
            case .ignored(let why): what = "**ignored**, with an info line: \(why)."
            case .refused(let why): what = "**refused**: \(why)."
            case .hook(let when): what = "**hook**, run in \(when), from a Python configuration file."
            }
            rows.append((setting.name, "| `\(setting.name)` | \(flags) | \(what) |"))
        }
        let header = """
            # Gunicorn's settings in Drover

            Every setting of Gunicorn 27 (`python -c 'from gunicorn.config import KNOWN_SETTINGS'`
            lists 120), accepted in `GUNICORN_CMD_ARGS`, on droverd's command line under Gunicorn's
            spelling, and in a Gunicorn configuration file (`gunicorn_conf.py`, `gunicorn.conf.py`,
            `-c FILE.py`). Each does the same thing as in Gunicorn, is ignored with one info line
            saying why (Drover makes it unnecessary, or Uvicorn workers do not do it, as under
            Gunicorn's UvicornWorker), or is refused with one line saying what to use instead. None
            is unknown. On droverd's own command line `--name` is Drover's instance name; Gunicorn's
            `-n/--name` (`proc_name`) is `--proc-name` there, and `-n/--name` in `GUNICORN_CMD_ARGS`.

            This table is written from droverd's settings registry; a test checks it against that
            registry and against Gunicorn 27.0.1's own list (`DROVER_WRITE_DOCS=1 swift test
            --filter GunicornTableTests` writes it again).

            | Gunicorn setting | flags | in Drover |
            |---|---|---|

            """
        return header + rows.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n"
    }
}
