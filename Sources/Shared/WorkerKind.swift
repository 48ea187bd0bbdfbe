//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a pool's workers run.
public enum WorkerKind: Hashable, Sendable {
    /// Drover's launcher serving an ASGI app with Uvicorn on the inherited sockets.
    case uvicorn(UvicornOptions)
    /// Any program; `{fd}`, `{fd:N}` and `{fd:NAME}` in its arguments become socket fd numbers.
    case command(arguments: [String])

    /// `uvicorn` or `command`, as written in `--worker-class`.
    public var name: String {
        switch self {
        case .uvicorn(let options): options.http == .h11 ? "uvicorn-h11" : "uvicorn"
        case .command: "command"
        }
    }
}
