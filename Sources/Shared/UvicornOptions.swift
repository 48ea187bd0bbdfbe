//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How the `uvicorn` worker kind runs its app.
public struct UvicornOptions: Hashable, Sendable {
    /// Which HTTP/1.1 implementation Uvicorn uses.
    public enum HTTPImplementation: String, Hashable, Sendable {
        case auto
        case h11
        case httptools
    }

    /// The app as `module:attribute`.
    public var app: String
    /// Whether the attribute is a factory to call (`module:create_app()`).
    public var factory: Bool
    /// The launcher program, found on `PATH` when not absolute.
    public var launcher: String
    /// Seconds an idle keep-alive connection stays open.
    public var keepAlive: Double
    /// Uvicorn's log level (`critical` … `trace`).
    public var logLevel: String
    /// Where the access log goes (`-` is stdout).
    public var accessLog: LogTarget
    /// Text or JSON log lines.
    public var logFormat: LogFormat
    /// The HTTP implementation.
    public var http: HTTPImplementation
    /// TLS certificate and key files, if the workers serve HTTPS.
    public var certificate: TLSFiles?
    /// Requests after which a worker retires (and is replaced); nil for never.
    public var maxRequests: Int?
    /// Up to this many requests are added at random to `maxRequests`, per worker.
    public var maxRequestsJitter: Int
    /// More flags for the launcher: the settings it applies itself (`--forwarded-allow-ips *`,
    /// `--user www`, `--gunicorn-config FILE`, …).
    public var launcherArguments: [String]
    /// How workers are started: exec'd, or forked from the generation's template.
    public var spawn: SpawnMode
    /// Whether the template imports the app before it forks (`preload_app`; fork mode only).
    public var preload: Bool

    /// Options with Drover's defaults for `app`.
    public init(
        app: String,
        factory: Bool = false,
        launcher: String = "drover-worker",
        keepAlive: Double = 5,
        logLevel: String = "info",
        accessLog: LogTarget = .standard,
        logFormat: LogFormat = .text,
        http: HTTPImplementation = .auto,
        certificate: TLSFiles? = nil,
        maxRequests: Int? = nil,
        maxRequestsJitter: Int = 0,
        launcherArguments: [String] = [],
        spawn: SpawnMode = .exec,
        preload: Bool = false
    ) {
        self.app = app
        self.factory = factory
        self.launcher = launcher
        self.keepAlive = keepAlive
        self.logLevel = logLevel
        self.accessLog = accessLog
        self.logFormat = logFormat
        self.http = http
        self.certificate = certificate
        self.maxRequests = maxRequests
        self.maxRequestsJitter = maxRequestsJitter
        self.launcherArguments = launcherArguments
        self.spawn = spawn
        self.preload = preload
    }
}

/// A TLS certificate and its private key.
public struct TLSFiles: Hashable, Sendable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}
