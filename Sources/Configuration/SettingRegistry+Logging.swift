//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Setting {
    static let logLevel = Setting(rawValue: "log_level")
    static let logFormat = Setting(rawValue: "log_format")
    static let accessLogfile = Setting(rawValue: "access_logfile")
    static let errorLogfile = Setting(rawValue: "error_logfile")
    static let accessLogFormat = Setting(rawValue: "access_log_format")
    static let logConfig = Setting(rawValue: "logconfig")
    static let logConfigDict = Setting(rawValue: "logconfig_dict")
    static let logConfigJSON = Setting(rawValue: "logconfig_json")
}

extension SettingRegistry {
    /// Where log lines go, and how they look.
    static let logging: [SettingSpec] = [
        SettingSpec(
            setting: .logLevel,
            flags: ["--log-level"],
            environment: ["LOG_LEVEL"],
            gunicorn: "loglevel",
            valueName: "LEVEL",
            defaultText: "info",
            help: "critical, error, warning, info, debug or trace, for droverd and its workers."
        ),
        SettingSpec(
            setting: .logFormat,
            flags: ["--log-format"],
            valueName: "FORMAT",
            defaultText: "text",
            help: "text (Gunicorn's lines) or json (one object per line)."
        ),
        SettingSpec(
            setting: .accessLogfile,
            flags: ["--access-logfile"],
            environment: ["ACCESS_LOG"],
            gunicorn: "accesslog",
            scope: .pool,
            valueName: "FILE",
            defaultText: "-",
            help: "Access log: - for stdout, a file, or '' for none."
        ),
        SettingSpec(
            setting: .errorLogfile,
            flags: ["--error-logfile"],
            environment: ["ERROR_LOG"],
            gunicorn: "errorlog",
            gunicornFlags: ["--error-logfile", "--log-file"],
            valueName: "FILE",
            defaultText: "-",
            help: "Error log (droverd's log and the workers' stderr): - for stderr, a file, or '' for warnings only."
        ),
        SettingSpec(
            setting: .accessLogFormat,
            flags: ["--access-logformat"],
            gunicorn: "access_log_format",
            scope: .pool,
            valueName: "FORMAT",
            help: "The access log line, with Gunicorn's atoms (%(h)s, %(r)s, %(s)s, …); Gunicorn's default by default.",
            launcher: .init(name: "--access-logformat", kind: .text)
        ),
        SettingSpec(
            setting: .logConfig,
            flags: ["--log-config"],
            gunicorn: "logconfig",
            scope: .pool,
            valueName: "FILE",
            help: "The workers' logging, from a logging.config file (fileConfig).",
            launcher: .init(name: "--log-config", kind: .text)
        ),
        SettingSpec(
            setting: .logConfigJSON,
            flags: ["--log-config-json"],
            gunicorn: "logconfig_json",
            scope: .pool,
            valueName: "FILE",
            help: "The workers' logging, from a JSON dictConfig file.",
            launcher: .init(name: "--log-config-json", kind: .text)
        ),
        SettingSpec(
            setting: .logConfigDict,
            gunicorn: "logconfig_dict",
            scope: .pool,
            shape: .structured,
            help: "The workers' logging, as a dictConfig dictionary (in a Python configuration file).",
            inFile: false,
            launcher: .init(name: "--log-config-dict", kind: .json)
        ),
    ]
}
