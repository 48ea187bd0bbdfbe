//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The defaults a pool gets for what no source sets: the seed image's (its default
/// `gunicorn_conf.py`), or Gunicorn's own when a Gunicorn configuration file replaces that one,
/// as in the seed image.
enum PoolDefaults {
    case seed
    /// Gunicorn 27's defaults, two of which read the environment (`WEB_CONCURRENCY`, `PORT`).
    case gunicorn(environment: [String: String])

    var timeout: Duration { isSeed ? .seconds(120) : .seconds(30) }
    var gracefulTimeout: Duration { isSeed ? .seconds(120) : .seconds(30) }
    var keepAlive: Duration { isSeed ? .seconds(5) : .seconds(2) }
    /// Gunicorn writes no access log unless told to.
    var accessLog: String { isSeed ? "-" : "" }

    /// The bind: the seed's `0.0.0.0:80`; Gunicorn's `0.0.0.0:$PORT`, else `127.0.0.1:8000`.
    var bind: String {
        switch self {
        case .seed: "0.0.0.0:80"
        case .gunicorn(let environment):
            environment["PORT"].map { "0.0.0.0:\($0)" } ?? "127.0.0.1:8000"
        }
    }

    /// Gunicorn's worker count, `$WEB_CONCURRENCY` or 1, as text to validate; nil for the seed's
    /// computation from the CPUs.
    var workers: (value: String, source: String)? {
        guard case .gunicorn(let environment) = self else { return nil }
        if let value = environment["WEB_CONCURRENCY"], !value.isEmpty { return (value, "WEB_CONCURRENCY") }
        return ("1", "Gunicorn's")
    }

    /// `WORKERS_PER_CORE` and `MAX_WORKERS` from the environment, for a Gunicorn configuration
    /// file that applied the seed's rule to them (`drover_workers_from_cpu = True`); empty for the
    /// seed's defaults, whose layer has them already.
    var seedWorkerRule: Layer {
        guard case .gunicorn(let environment) = self else { return [:] }
        var layer: Layer = [:]
        if let perCore = environment["WORKERS_PER_CORE"] {
            layer[.workersPerCore] = Entry(value: .text(perCore), source: .environment("WORKERS_PER_CORE"))
        }
        if let maximum = environment["MAX_WORKERS"], !maximum.isEmpty {
            layer[.maxWorkers] = Entry(value: .text(maximum), source: .environment("MAX_WORKERS"))
        }
        return layer
    }

    private var isSeed: Bool {
        if case .seed = self { return true }
        return false
    }
}
