//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension SettingRegistry {
    /// Settings that take effect inside each uvicorn worker: droverd checks them and passes them
    /// on to the launcher (`drover-worker`), which applies them as Gunicorn's workers do.
    static let workerSettings: [SettingSpec] = [
        passed(
            "forwarded_allow_ips",
            flags: ["--forwarded-allow-ips"],
            kind: .commaList,
            valueName: "IPS",
            environment: ["FORWARDED_ALLOW_IPS"],
            defaultText: "$FORWARDED_ALLOW_IPS, else 127.0.0.1,::1",
            help: "Addresses trusted to set X-Forwarded-For/-Proto (comma-separated, * for all)."
        ),
        passed(
            "root_path",
            flags: ["--root-path"],
            kind: .text,
            valueName: "PATH",
            help: "The ASGI root_path: the prefix the app is mounted at behind a proxy."
        ),
        passed(
            "limit_request_line",
            flags: ["--limit-request-line"],
            kind: .integer(0...1_000_000_000),
            valueName: "N",
            help: "Longest request line in bytes, answered 414 when over, as Gunicorn (0 or over 8190: 8190)."
        ),
        passed(
            "limit_request_fields",
            flags: ["--limit-request-fields"],
            kind: .integer(0...1_000_000_000),
            valueName: "N",
            help: "Most header fields in a request, answered 431 when over (0 or over 32768: 32768)."
        ),
        passed(
            "limit_request_field_size",
            flags: ["--limit-request-field-size"],
            gunicornFlags: ["--limit-request-field_size", "--limit-request-field-size"],
            kind: .integer(0...1_000_000_000),
            valueName: "N",
            help: "Longest header field in bytes, answered 431 when over (0: 8190, as Gunicorn's code does)."
        ),
        passed(
            "ca_certs",
            flags: ["--ca-certs"],
            launcherFlag: "--ssl-ca-certs",
            kind: .text,
            valueName: "FILE",
            help: "CA certificates for client certificates (with --certfile)."
        ),
        passed(
            "cert_reqs",
            flags: ["--cert-reqs"],
            launcherFlag: "--ssl-cert-reqs",
            kind: .integer(0...2),
            valueName: "N",
            help: "Client certificates: 0 none, 1 optional, 2 required."
        ),
        passed(
            "ciphers",
            flags: ["--ciphers"],
            launcherFlag: "--ssl-ciphers",
            kind: .text,
            valueName: "CIPHERS",
            help: "TLS ciphers, in OpenSSL's cipher list format."
        ),
        passed(
            "ssl_version",
            flags: ["--ssl-version"],
            launcherFlag: "--ssl-version",
            kind: .integer(0...100),
            valueName: "N",
            help: "The ssl module's protocol number (deprecated in Gunicorn too)."
        ),
        passed(
            "user",
            flags: ["--user"],
            gunicornFlags: ["-u", "--user"],
            kind: .text,
            valueName: "USER",
            help: "Workers run as this user (name or uid); droverd keeps the sockets."
        ),
        passed(
            "group",
            flags: ["--group"],
            gunicornFlags: ["-g", "--group"],
            kind: .text,
            valueName: "GROUP",
            help: "Workers run as this group (name or gid)."
        ),
        passed(
            "initgroups",
            flags: ["--initgroups"],
            kind: .boolean,
            valueName: "",
            help: "Workers also get --user's supplementary groups."
        ),
        passed(
            "pythonpath",
            flags: ["--pythonpath"],
            kind: .commaList,
            valueName: "DIRS",
            help: "Directories put first on the workers' sys.path (comma-separated)."
        ),
        passed(
            "proc_name",
            flags: ["--proc-name"],
            gunicornFlags: ["-n", "--name"],
            kind: .text,
            valueName: "NAME",
            help: "The workers' process title (with setproctitle installed)."
        ),
        passed(
            "asgi_loop",
            flags: ["--asgi-loop"],
            launcherFlag: "--loop",
            kind: .choice(["auto", "asyncio", "uvloop"]),
            valueName: "LOOP",
            defaultText: "auto",
            help: "The workers' event loop: auto, asyncio or uvloop."
        ),
    ]

    /// A setting the launcher applies, under Gunicorn's name.
    private static func passed(
        _ key: String,
        flags: [String],
        gunicornFlags: [String] = [],
        launcherFlag: String? = nil,
        kind: SettingSpec.ValueKind,
        valueName: String,
        environment: [String] = [],
        defaultText: String? = nil,
        help: String
    ) -> SettingSpec {
        var isFlag = false
        if case .boolean = kind { isFlag = true }
        return SettingSpec(
            setting: Setting(rawValue: key),
            flags: flags,
            environment: environment,
            gunicorn: key,
            gunicornFlags: gunicornFlags,
            scope: .pool,
            shape: isFlag ? .flag : .value,
            valueName: valueName,
            defaultText: defaultText,
            help: help,
            launcher: .init(name: launcherFlag ?? flags.last!, kind: kind)
        )
    }
}
