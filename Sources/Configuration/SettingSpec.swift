//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The one declaration of a setting: its key, flags, environment variables, Gunicorn's name,
/// scope, value shape, default and help. Flag parsing, `GUNICORN_CMD_ARGS`, `drover.toml`'s keys,
/// `--help`, the sources `droverctl config` reports and the documentation tables all read it.
struct SettingSpec: Sendable {
    /// Where a setting applies.
    enum Scope: String, Sendable {
        /// droverd as a whole.
        case global
        /// Each pool (a `[pools.NAME]` table may set its own).
        case pool
    }

    /// What a flag takes and how a value is written.
    enum Shape: Sendable {
        /// One word: `--workers 4`.
        case value
        /// One word, the flag repeatable: `-b A -b B` (a list in `drover.toml`).
        case list
        /// No word: `--reload` is true, an inversion (`--no-wait-ready`) false.
        case flag
        /// A table of strings, in `drover.toml` only (`env`).
        case table
        /// Any value, in a Python configuration file only (`logconfig_dict`).
        case structured
    }

    /// How the launcher is told about a setting that takes effect inside each worker.
    struct LauncherFlag: Sendable {
        /// The launcher's flag (`--forwarded-allow-ips`).
        let name: String
        /// How the value is checked and written for the launcher.
        let kind: ValueKind
    }

    /// How a value passed to the launcher is checked.
    enum ValueKind: Sendable {
        case text
        /// Comma-separated text; a list (TOML, Python) is joined with commas.
        case commaList
        case integer(ClosedRange<Int>)
        case boolean
        /// One of these words.
        case choice([String])
        /// JSON text (a table in TOML, a dict in Python).
        case json
    }

    let setting: Setting
    /// Flags, short first (`-w`, `--workers`); none for a file-only setting.
    var flags: [String] = []
    /// The flag that turns a ``Shape/flag`` setting off (`--no-wait-ready`).
    var inversion: String?
    /// The environment variables that set it (documented; ``SeedEnvironment`` reads the seed's).
    var environment: [String] = []
    /// Gunicorn's name for it (`keepalive`), if Gunicorn has it.
    var gunicorn: String?
    /// Gunicorn's own spellings of the flag where they differ from Drover's.
    var gunicornFlags: [String] = []
    var scope: Scope = .global
    var shape: Shape = .value
    /// What the help shows for the value (`N`, `SECONDS`).
    var valueName: String = "VALUE"
    /// The default, as the help and the docs show it.
    var defaultText: String?
    let help: String
    /// Whether `drover.toml` takes it.
    var inFile: Bool = true
    /// Whether `drover.toml` takes it at the top level too, not only in a `[pools.NAME]` table.
    var topLevel: Bool = true
    /// Whether `--help` lists it (Gunicorn's spellings are listed in docs/GUNICORN.md instead).
    var listed: Bool = true
    /// For a setting the launcher applies in each worker: how it is passed on.
    var launcher: LauncherFlag?

    /// The long flag (`--workers`), if any.
    var longFlag: String? { flags.first { $0.hasPrefix("--") } }

    /// Flags accepted on droverd's command line and in `DROVER_ARGS`.
    var droverFlags: [String] { flags + (inversion.map { [$0] } ?? []) }

    /// Flags accepted in `GUNICORN_CMD_ARGS`: Gunicorn's spellings, only for Gunicorn's settings.
    var gunicornCommandFlags: [String] {
        guard gunicorn != nil else { return [] }
        return gunicornFlags.isEmpty ? flags : gunicornFlags
    }
}
