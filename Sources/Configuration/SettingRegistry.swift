//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Every setting droverd has, each declared once (see ``SettingSpec``), and Gunicorn's settings
/// that Drover has no use for (see ``GunicornOnlySetting``).
enum SettingRegistry {
    /// Every setting, in the order `--help` and the docs list them.
    static let all: [SettingSpec] = processes + timeouts + logging + server + workerSettings

    private static let bySetting: [Setting: SettingSpec] = Dictionary(
        all.map { ($0.setting, $0) },
        uniquingKeysWith: { first, _ in first }
    )

    private static let byGunicornName: [String: SettingSpec] = Dictionary(
        all.compactMap { spec in spec.gunicorn.map { ($0, spec) } },
        uniquingKeysWith: { first, _ in first }
    )

    static func spec(_ setting: Setting) -> SettingSpec? { bySetting[setting] }

    /// The setting `drover.toml` calls `key`, if there is one.
    static func setting(key: String) -> Setting? { bySetting[Setting(rawValue: key)]?.setting }

    /// The setting Gunicorn calls `name` (`keepalive` → `keep_alive`).
    static func spec(gunicorn name: String) -> SettingSpec? { byGunicornName[name] }

    /// Gunicorn's hooks: functions in a Python configuration file, called at events.
    static let masterHooks = [
        "on_starting", "when_ready", "on_reload", "pre_fork", "child_exit", "nworkers_changed", "on_exit",
    ]
    static let workerHooks = ["post_fork", "post_worker_init", "worker_int", "worker_abort", "worker_exit"]
}
