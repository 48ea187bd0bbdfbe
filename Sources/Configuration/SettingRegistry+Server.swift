//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Setting {
    static let bind = Setting(rawValue: "bind")
    static let backlog = Setting(rawValue: "backlog")
    static let reusePort = Setting(rawValue: "reuse_port")
    static let umask = Setting(rawValue: "umask")
    static let chdir = Setting(rawValue: "chdir")
    static let pid = Setting(rawValue: "pid")
    static let certfile = Setting(rawValue: "certfile")
    static let keyfile = Setting(rawValue: "keyfile")
    static let reload = Setting(rawValue: "reload")
    static let reloadInclude = Setting(rawValue: "reload_include")
    static let reloadExclude = Setting(rawValue: "reload_exclude")
    static let reloadExtraFiles = Setting(rawValue: "reload_extra_files")
    static let controlSocket = Setting(rawValue: "control_socket")
    static let controlGroup = Setting(rawValue: "control_group")
    static let opsBind = Setting(rawValue: "ops_bind")
    static let appMetrics = Setting(rawValue: "app_metrics")
    static let name = Setting(rawValue: "name")
    static let prestart = Setting(rawValue: "prestart")
}

extension SettingRegistry {
    /// Sockets, files and droverd itself.
    static let server: [SettingSpec] = [
        SettingSpec(
            setting: .bind,
            flags: ["-b", "--bind"],
            environment: ["BIND", "HOST", "PORT"],
            gunicorn: "bind",
            scope: .pool,
            shape: .list,
            valueName: "ADDRESS",
            defaultText: "0.0.0.0:80",
            help:
                "Socket to listen on: HOST:PORT, [IPV6]:PORT, unix:PATH or fd://NAME, optionally NAME=ADDRESS; repeatable."
        ),
        SettingSpec(
            setting: .backlog,
            flags: ["--backlog"],
            gunicorn: "backlog",
            valueName: "N",
            defaultText: "2048",
            help: "The listening sockets' queue of connections not yet accepted."
        ),
        SettingSpec(
            setting: .reusePort,
            flags: ["--reuse-port"],
            gunicorn: "reuse_port",
            shape: .flag,
            help: "Set SO_REUSEPORT on the listening sockets, so another server may bind the same port."
        ),
        SettingSpec(
            setting: .umask,
            flags: ["--umask"],
            gunicorn: "umask",
            gunicornFlags: ["-m", "--umask"],
            valueName: "MASK",
            help: "The umask droverd creates Unix sockets with (e.g. 0o22 or 18), as Gunicorn: mode 0666 without it."
        ),
        SettingSpec(
            setting: .chdir,
            flags: ["--chdir"],
            gunicorn: "chdir",
            valueName: "DIR",
            help: "The app directory: droverd and its workers run there.",
            inFile: false
        ),
        SettingSpec(
            setting: .pid,
            flags: ["--pid"],
            gunicorn: "pidfile",
            gunicornFlags: ["-p", "--pid"],
            valueName: "FILE",
            help: "Write droverd's pid to this file."
        ),
        SettingSpec(
            setting: .certfile,
            flags: ["--certfile"],
            gunicorn: "certfile",
            scope: .pool,
            valueName: "FILE",
            help: "TLS certificate file (with --keyfile): the workers serve HTTPS."
        ),
        SettingSpec(
            setting: .keyfile,
            flags: ["--keyfile"],
            gunicorn: "keyfile",
            scope: .pool,
            valueName: "FILE",
            help: "TLS private key file (with --certfile)."
        ),
        SettingSpec(
            setting: .reload,
            flags: ["--reload"],
            gunicorn: "reload",
            shape: .flag,
            help:
                "Development: restart the workers (surge first) when the app's files change; 1 worker unless told otherwise."
        ),
        SettingSpec(
            setting: .reloadInclude,
            flags: ["--reload-include"],
            shape: .list,
            valueName: "PATTERN",
            defaultText: "*.py",
            help: "With --reload: files that count, as shell globs; repeatable."
        ),
        SettingSpec(
            setting: .reloadExclude,
            flags: ["--reload-exclude"],
            shape: .list,
            valueName: "PATTERN",
            help:
                "With --reload: files and directories to ignore; repeatable, added to the defaults (.venv, venv, __pycache__, .git, node_modules, …)."
        ),
        SettingSpec(
            setting: .reloadExtraFiles,
            flags: ["--reload-extra-file"],
            gunicorn: "reload_extra_files",
            shape: .list,
            valueName: "PATTERN",
            help: "With --reload: more files that count, added to --reload-include's; repeatable."
        ),
        SettingSpec(
            setting: .controlSocket,
            flags: ["--control-socket"],
            environment: ["DROVER_CONTROL_SOCKET"],
            gunicorn: "control_socket",
            valueName: "PATH",
            defaultText:
                "$RUNTIME_DIRECTORY/NAME.sock, /run/drover/NAME.sock for root, else $XDG_RUNTIME_DIR/drover/NAME.sock",
            help: "The control socket."
        ),
        SettingSpec(
            setting: .controlGroup,
            flags: ["--control-group"],
            environment: ["DROVER_CONTROL_GROUP"],
            valueName: "GROUP",
            help: "A group whose members may use the control socket (mode 0660)."
        ),
        SettingSpec(
            setting: .opsBind,
            flags: ["--ops-bind"],
            environment: ["DROVER_OPS_BIND"],
            valueName: "ADDRESS",
            defaultText: "off",
            help: "An HTTP listener: /livez, /readyz, /status, /metrics (HOST:PORT or unix:PATH)."
        ),
        SettingSpec(
            setting: .appMetrics,
            flags: ["--app-metrics"],
            inversion: "--no-app-metrics",
            environment: ["DROVER_APP_METRICS"],
            shape: .flag,
            defaultText: "on",
            help:
                "Own the app's prometheus_client multiprocess directory: export PROMETHEUS_MULTIPROC_DIR (or clear the user's), fold dead workers' files, serve the merged metrics on /metrics."
        ),
        SettingSpec(
            setting: .name,
            flags: ["--name"],
            valueName: "NAME",
            defaultText: "drover",
            help: "Instance name, used in default paths."
        ),
        SettingSpec(
            setting: .prestart,
            flags: ["--prestart"],
            environment: ["PRE_START_PATH"],
            valueName: "FILE",
            defaultText: "prestart.sh in the app directory",
            help: "Script sourced by sh before start-up; what it exports reaches the workers."
        ),
    ]
}
