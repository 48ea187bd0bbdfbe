//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The environment variables of the "uvicorn-gunicorn-starlette" image, with its rules:
/// `${VAR:-default}` (empty means unset) for the names its `start.sh` reads, and
/// `os.getenv(name, default)` (empty stays empty) for the ones its `gunicorn_conf.py` reads.
enum SeedEnvironment {
    /// The app module the seed detects in the app directory: `app.main` if `app/main.py` exists,
    /// else `main` if `main.py` does.
    static func detectedModule(fileExists: (String) -> Bool) -> String? {
        if fileExists("app/main.py") { return "app.main" }
        if fileExists("main.py") { return "main" }
        return nil
    }

    /// The values the environment gives, the seed's inputs as given, and warnings.
    ///
    /// With a Gunicorn configuration file (`gunicorn_conf.py`), the variables the seed's default
    /// file reads count only as far as that file reads them, as in the seed: only start.sh's
    /// (the app, the worker class, the prestart script) and Drover's own are taken here.
    static func layer(
        _ environment: [String: String],
        detectedModule: String?,
        gunicornFile: Bool = false
    ) -> (layer: Layer, seed: SeedSummary, warnings: [String]) {
        var layer: Layer = [:]
        let warnings: [String] = []
        func nonEmpty(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        func put(_ setting: Setting, _ name: String, _ value: RawValue) {
            layer[setting] = Entry(value: value, source: .environment(name))
        }

        // start.sh: APP_MODULE, else MODULE_NAME:VARIABLE_NAME (empty means unset).
        if let app = nonEmpty("APP_MODULE") {
            put(.app, "APP_MODULE", .text(app))
        } else if nonEmpty("MODULE_NAME") != nil || nonEmpty("VARIABLE_NAME") != nil {
            let module = nonEmpty("MODULE_NAME") ?? detectedModule ?? ""
            let variable = nonEmpty("VARIABLE_NAME") ?? "app"
            put(.app, nonEmpty("MODULE_NAME") != nil ? "MODULE_NAME" : "VARIABLE_NAME", .text("\(module):\(variable)"))
        }
        if let workerClass = nonEmpty("WORKER_CLASS") { put(.workerClass, "WORKER_CLASS", .text(workerClass)) }
        if let prestart = nonEmpty("PRE_START_PATH") { put(.prestart, "PRE_START_PATH", .text(prestart)) }

        // Drover's own.
        if let file = nonEmpty("DROVER_CONF") ?? nonEmpty("GUNICORN_CONF") {
            put(.config, nonEmpty("DROVER_CONF") != nil ? "DROVER_CONF" : "GUNICORN_CONF", .text(file))
        }
        // Drover's own single-variable settings: the names come from the registry (empty means unset).
        for setting in [
            Setting.controlSocket, .controlGroup, .opsBind, .appMetrics, .bootTimeout, .readyProbe, .maxWorkerLifetime,
            .lifetimeJitter, .spawn, .preloadApp, .maxWorkerMemory, .memoryInterval, .memorySamples,
            .requestTimeout, .poolMemoryLimit, .memoryPressure, .shutdownDelay, .cpuFromRequest, .followCPULimit,
            .pageOutCode,
        ] {
            guard let name = SettingRegistry.spec(setting)?.environment.first, let value = nonEmpty(name) else {
                continue
            }
            put(setting, name, .text(value))
        }
        let seed = SeedSummary(
            host: environment["HOST"] ?? "0.0.0.0",
            port: environment["PORT"] ?? "80",
            workersPerCore: 1,
            maxWorkers: nil,
            logLevel: environment["LOG_LEVEL"] ?? "info"
        )
        if gunicornFile { return (layer, seed, warnings) }

        // gunicorn_conf.py: set-but-empty values are kept (and fail where the seed fails).
        if let concurrency = nonEmpty("WEB_CONCURRENCY") { put(.workers, "WEB_CONCURRENCY", .text(concurrency)) }
        if let perCore = environment["WORKERS_PER_CORE"] { put(.workersPerCore, "WORKERS_PER_CORE", .text(perCore)) }
        if let maximum = nonEmpty("MAX_WORKERS") { put(.maxWorkers, "MAX_WORKERS", .text(maximum)) }
        if let bind = nonEmpty("BIND") {
            put(.bind, "BIND", .list([bind]))
        } else if environment["HOST"] != nil || environment["PORT"] != nil {
            let host = environment["HOST"] ?? "0.0.0.0"
            let port = environment["PORT"] ?? "80"
            put(.bind, environment["PORT"] != nil ? "PORT" : "HOST", .list(["\(host):\(port)"]))
        }
        if let level = nonEmpty("LOG_LEVEL") { put(.logLevel, "LOG_LEVEL", .text(level)) }
        for (name, setting) in [
            ("TIMEOUT", Setting.timeout), ("GRACEFUL_TIMEOUT", .gracefulTimeout), ("KEEP_ALIVE", .keepAlive),
        ] {
            if let value = environment[name] { put(setting, name, .text(value)) }
        }
        if let access = environment["ACCESS_LOG"] { put(.accessLogfile, "ACCESS_LOG", .text(access)) }
        if let error = environment["ERROR_LOG"] { put(.errorLogfile, "ERROR_LOG", .text(error)) }

        return (layer, seed, warnings)
    }
}
