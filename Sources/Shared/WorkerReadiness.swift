//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How droverd decides that a starting worker serves.
public enum WorkerReadiness: String, Hashable, Sendable {
    /// Ready once it sends `READY=1` (`wait_ready = true`; the uvicorn kind's default).
    case notify
    /// Ready once droverd sees it accepting on one of its inherited listening sockets (blocked in
    /// `accept()`, or polling the socket with epoll), or once it sends `READY=1`. The default of a
    /// command pool with binds.
    case observed
    /// Ready as soon as it is spawned (`wait_ready = false`; a command pool without binds).
    case spawned

    /// The default for a pool: `wait_ready` when it is set, otherwise by kind and binds.
    public static func resolve(waitReady: Bool?, kind: WorkerKind, binds: [BindAddress]) -> WorkerReadiness {
        switch (waitReady, kind) {
        case (true?, _): .notify
        case (false?, _): .spawned
        case (nil, .uvicorn): .notify
        case (nil, .command): binds.isEmpty ? .spawned : .observed
        }
    }
}
