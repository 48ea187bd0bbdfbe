//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a uvicorn pool's workers are started (`spawn`).
public enum SpawnMode: String, Hashable, Sendable, CaseIterable {
    /// Each worker is a fresh `exec` of the launcher: it imports the server stack and the app itself.
    case exec
    /// Workers are forked from the generation's template, a launcher that imported the server
    /// stack (and, with `preload_app`, the app) once; a respawn while it is down falls back to exec.
    case fork
}
