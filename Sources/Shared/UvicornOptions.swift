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
    /// The launcher program, found on `PATH` when not absolute.
    public var launcher: String
    /// Seconds an idle keep-alive connection stays open.
    public var keepAlive: Double
    /// Uvicorn's log level (`critical` … `trace`).
    public var logLevel: String
    /// Whether Uvicorn writes an access log line per request (to stdout).
    public var accessLog: Bool
    /// The HTTP implementation.
    public var http: HTTPImplementation

    /// Options with Drover's defaults for `app`.
    public init(
        app: String,
        launcher: String = "drover-worker",
        keepAlive: Double = 5,
        logLevel: String = "info",
        accessLog: Bool = true,
        http: HTTPImplementation = .auto
    ) {
        self.app = app
        self.launcher = launcher
        self.keepAlive = keepAlive
        self.logLevel = logLevel
        self.accessLog = accessLog
        self.http = http
    }
}
