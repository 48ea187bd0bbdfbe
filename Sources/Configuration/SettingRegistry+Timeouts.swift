//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Setting {
    static let timeout = Setting(rawValue: "timeout")
    static let gracefulTimeout = Setting(rawValue: "graceful_timeout")
    static let bootTimeout = Setting(rawValue: "boot_timeout")
    static let keepAlive = Setting(rawValue: "keep_alive")
    static let shutdownDelay = Setting(rawValue: "shutdown_delay")
}

extension SettingRegistry {
    /// How long things may take.
    static let timeouts: [SettingSpec] = [
        SettingSpec(
            setting: .timeout,
            flags: ["--timeout"],
            environment: ["TIMEOUT"],
            gunicorn: "timeout",
            gunicornFlags: ["-t", "--timeout"],
            scope: .pool,
            valueName: "SECONDS",
            defaultText: "120",
            help: "Seconds a ready worker's event loop may stay blocked before it is killed; 0 disables."
        ),
        SettingSpec(
            setting: .gracefulTimeout,
            flags: ["--graceful-timeout"],
            environment: ["GRACEFUL_TIMEOUT"],
            gunicorn: "graceful_timeout",
            scope: .pool,
            valueName: "SECONDS",
            defaultText: "120",
            help: "Seconds a stopping worker may finish its requests before it is killed."
        ),
        SettingSpec(
            setting: .bootTimeout,
            flags: ["--boot-timeout"],
            environment: ["BOOT_TIMEOUT"],
            scope: .pool,
            valueName: "SECONDS",
            defaultText: "the longer of 60 and --timeout",
            help: "Seconds a new worker has to become ready before it is killed."
        ),
        SettingSpec(
            setting: .keepAlive,
            flags: ["--keep-alive"],
            environment: ["KEEP_ALIVE"],
            gunicorn: "keepalive",
            scope: .pool,
            valueName: "SECONDS",
            defaultText: "5",
            help: "Seconds an idle keep-alive connection stays open."
        ),
        SettingSpec(
            setting: .shutdownDelay,
            flags: ["--shutdown-delay"],
            environment: ["SHUTDOWN_DELAY"],
            valueName: "DURATION",
            defaultText: "0",
            help:
                "On SIGTERM, report not ready but keep serving this long before the graceful stop (for load balancers to catch up), e.g. 5s; 0 stops at once."
        ),
    ]
}
