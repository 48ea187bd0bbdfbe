//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension GunicornOnlySetting {
    private static let asgiParser = "Uvicorn parses HTTP in Drover's workers, as under Gunicorn's UvicornWorker"
    private static let noSyslog =
        "Drover logs to stderr/files (and the journal under systemd); use logconfig_dict with a SysLogHandler"
    private static let noStatsd =
        "Drover has no StatsD client; Prometheus scrapes its metrics from the ops listener (--ops-bind)"
    private static let noDirty = "Drover has no dirty arbiters"

    /// Every Gunicorn 27 setting that is not one of Drover's (see ``SettingRegistry/all``).
    static let all: [GunicornOnlySetting] = [
        .init(
            "threads",
            ["--threads"],
            .value,
            .ignored("ASGI workers serve on one event loop, as under UvicornWorker")
        ),
        .init("worker_connections", ["--worker-connections"], .value, .ignored("UvicornWorker does not use it either")),
        .init("reload_engine", ["--reload-engine"], .value, .ignored("Drover's reload mode always uses inotify")),
        .init("spew", ["--spew"], .none, .ignored("Drover does not trace every executed line")),
        .init("check_config", ["--check-config"], .none, .ignored("in a file; run droverd --check-config")),
        .init("print_config", ["--print-config"], .none, .ignored("in a file; run droverd --check-config")),
        .init("sendfile", ["--no-sendfile"], .none, .ignored("Uvicorn does not use sendfile")),
        .init(
            "daemon",
            ["-D", "--daemon"],
            .none,
            .refused(
                "droverd stays in the foreground for systemd and Docker; run it as a systemd service (Type=notify) or a container entrypoint"
            )
        ),
        .init(
            "worker_tmp_dir",
            ["--worker-tmp-dir"],
            .value,
            .ignored("Drover's heartbeat is a shared memory page, not a file on disk")
        ),
        .init("tmp_upload_dir", [], .value, .ignored("a WSGI setting; ASGI apps handle uploads themselves")),
        .init(
            "secure_scheme_headers",
            [],
            .value,
            .ignored("Uvicorn trusts X-Forwarded-Proto and X-Forwarded-For from forwarded_allow_ips")
        ),
        .init("disable_redirect_access_to_syslog", ["--disable-redirect-access-to-syslog"], .none, .ignored(noSyslog)),
        .init(
            "capture_output",
            ["--capture-output"],
            .none,
            .ignored("droverd already forwards the workers' stderr to the error log")
        ),
        .init(
            "logger_class",
            ["--logger-class"],
            .value,
            .ignored("Drover's workers log through Python's logging; use logconfig_dict to change handlers")
        ),
        .init("syslog_addr", ["--log-syslog-to"], .value, .ignored(noSyslog)),
        .init("syslog", ["--log-syslog"], .none, .ignored(noSyslog)),
        .init("syslog_prefix", ["--log-syslog-prefix"], .value, .ignored(noSyslog)),
        .init("syslog_facility", ["--log-syslog-facility"], .value, .ignored(noSyslog)),
        .init(
            "enable_stdio_inheritance",
            ["-R", "--enable-stdio-inheritance"],
            .none,
            .ignored("droverd never closes the workers' stdio (it does not daemonize)")
        ),
        .init("statsd_host", ["--statsd-host"], .value, .ignored(noStatsd)),
        .init("dogstatsd_tags", ["--dogstatsd-tags"], .value, .ignored(noStatsd)),
        .init("statsd_prefix", ["--statsd-prefix"], .value, .ignored(noStatsd)),
        .init("enable_backlog_metric", ["--enable-backlog-metric"], .none, .ignored(noStatsd)),
        .init("default_proc_name", [], .value, .ignored("Gunicorn sets it itself from the app")),
        .init(
            "paste",
            ["--paste", "--paster"],
            .value,
            .refused("PasteDeploy serves WSGI apps; Drover serves ASGI apps (give MODULE:VARIABLE)")
        ),
        .init(
            "raw_paste_global_conf",
            ["--paste-global"],
            .value,
            .ignored("PasteDeploy serves WSGI apps; Drover serves ASGI apps")
        ),
        .init("on_starting", [], .value, .hook("droverd, before binding")),
        .init("on_reload", [], .value, .hook("droverd, on reload")),
        .init("when_ready", [], .value, .hook("droverd, once the sockets are bound")),
        .init("pre_fork", [], .value, .hook("droverd, before each worker starts")),
        .init("post_fork", [], .value, .hook("each worker, at its start")),
        .init("post_worker_init", [], .value, .hook("each worker, once the app is loaded")),
        .init("worker_int", [], .value, .hook("a worker, on a quick stop")),
        .init("worker_abort", [], .value, .hook("a worker, on a timeout kill")),
        .init(
            "pre_exec",
            [],
            .value,
            .ignored("droverd never re-executes itself (no USR2 upgrade); a reload replaces the workers")
        ),
        .init("pre_request", [], .value, .ignored("a WSGI worker hook, which UvicornWorker does not call either")),
        .init("post_request", [], .value, .ignored("a WSGI worker hook, which UvicornWorker does not call either")),
        .init("child_exit", [], .value, .hook("droverd, after a worker exits")),
        .init("worker_exit", [], .value, .hook("a worker, as it exits")),
        .init("nworkers_changed", [], .value, .hook("droverd, when the worker count changes")),
        .init("on_exit", [], .value, .hook("droverd, as it exits")),
        .init(
            "ssl_context",
            [],
            .value,
            .ignored("the workers build their TLS context from certfile, keyfile, ca_certs, cert_reqs and ciphers")
        ),
        .init(
            "proxy_protocol",
            ["--proxy-protocol"],
            .optional(["off", "v1", "v2", "auto"]),
            .ignored("Uvicorn does not read the PROXY protocol (nor does UvicornWorker)")
        ),
        .init("proxy_allow_ips", ["--proxy-allow-from"], .value, .ignored("Uvicorn does not read the PROXY protocol")),
        .init("protocol", ["--protocol"], .value, .ignored("Drover's workers speak HTTP")),
        .init("uwsgi_allow_ips", ["--uwsgi-allow-from"], .value, .ignored("Drover's workers speak HTTP, not uwsgi")),
        .init("suppress_ragged_eofs", ["--suppress-ragged-eofs"], .none, .ignored("asyncio's TLS decides")),
        .init("do_handshake_on_connect", ["--do-handshake-on-connect"], .none, .ignored("asyncio's TLS decides")),
        .init("http_protocols", ["--http-protocols"], .value, .ignored("Uvicorn serves HTTP/1.1 (and WebSockets)")),
        .init("http2_cleartext", ["--http2-cleartext"], .value, .ignored("Uvicorn serves HTTP/1.1")),
        .init(
            "http2_max_concurrent_streams",
            ["--http2-max-concurrent-streams"],
            .value,
            .ignored("Uvicorn serves HTTP/1.1")
        ),
        .init(
            "http2_initial_window_size",
            ["--http2-initial-window-size"],
            .value,
            .ignored("Uvicorn serves HTTP/1.1")
        ),
        .init("http2_max_frame_size", ["--http2-max-frame-size"], .value, .ignored("Uvicorn serves HTTP/1.1")),
        .init(
            "http2_max_header_list_size",
            ["--http2-max-header-list-size"],
            .value,
            .ignored("Uvicorn serves HTTP/1.1")
        ),
        .init("permit_obsolete_folding", ["--permit-obsolete-folding"], .none, .ignored(asgiParser)),
        .init("strip_header_spaces", ["--strip-header-spaces"], .none, .ignored(asgiParser)),
        .init(
            "permit_unconventional_http_method",
            ["--permit-unconventional-http-method"],
            .none,
            .ignored(asgiParser)
        ),
        .init(
            "permit_unconventional_http_version",
            ["--permit-unconventional-http-version"],
            .none,
            .ignored(asgiParser)
        ),
        .init("casefold_http_method", ["--casefold-http-method"], .none, .ignored(asgiParser)),
        .init(
            "forwarder_headers",
            ["--forwarder-headers"],
            .value,
            .ignored("a WSGI setting (SCRIPT_NAME, PATH_INFO)")
        ),
        .init("header_map", ["--header-map"], .value, .ignored(asgiParser)),
        .init(
            "asgi_lifespan",
            ["--asgi-lifespan"],
            .value,
            .ignored("Drover's workers run the lifespan when the app has one (Uvicorn's auto)")
        ),
        .init(
            "asgi_disconnect_grace_period",
            ["--asgi-disconnect-grace-period"],
            .value,
            .ignored("a setting of Gunicorn's own ASGI worker")
        ),
        .init(
            "websocket_max_message_size",
            ["--websocket-max-message-size"],
            .value,
            .ignored("a setting of Gunicorn's own ASGI worker; Uvicorn's limit is 16 MiB")
        ),
        .init("http_parser", ["--http-parser"], .value, .ignored("a setting of Gunicorn's own ASGI worker")),
        .init(
            "dirty_apps",
            ["--dirty-app"],
            .value,
            .refused("\(noDirty); run the task code as a second pool ([pools.NAME] with kind = \"command\")")
        ),
        .init("dirty_workers", ["--dirty-workers"], .value, .ignored(noDirty)),
        .init("dirty_timeout", ["--dirty-timeout"], .value, .ignored(noDirty)),
        .init("dirty_threads", ["--dirty-threads"], .value, .ignored(noDirty)),
        .init("dirty_graceful_timeout", ["--dirty-graceful-timeout"], .value, .ignored(noDirty)),
        .init("on_dirty_starting", [], .value, .ignored(noDirty)),
        .init("dirty_post_fork", [], .value, .ignored(noDirty)),
        .init("dirty_worker_init", [], .value, .ignored(noDirty)),
        .init("dirty_worker_exit", [], .value, .ignored(noDirty)),
        .init(
            "control_socket_mode",
            ["--control-socket-mode"],
            .value,
            .ignored("droverd's control socket is 0600, or 0660 with --control-group")
        ),
        .init(
            "control_socket_disable",
            ["--no-control-socket"],
            .none,
            .ignored("droverd's control socket is always on; only root, its own user and --control-group may use it")
        ),
    ]

    private static let byName: [String: GunicornOnlySetting] = Dictionary(
        all.map { ($0.name, $0) },
        uniquingKeysWith: { first, _ in first }
    )

    static func named(_ name: String) -> GunicornOnlySetting? { byName[name] }
}
