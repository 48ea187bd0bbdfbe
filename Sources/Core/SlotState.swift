//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// Who holds a slot, or when it is refilled.
///
/// Inputs are mutating methods; one the state does not accept throws ``InvalidTransition`` and
/// changes nothing (a slot never holds two incoming workers, nor waits while it has a worker).
enum SlotState: Hashable, Sendable {
    /// No worker, none due: the next spawn for the slot fills it (a new slot, droverd stopping).
    case empty
    /// No worker: it respawns at `until` (a failure's backoff, or the cap on outside kills).
    case waiting(until: Instant)
    /// Its worker serves, or will once it has started.
    case serving(WorkerID)
    /// A rollout starts `incoming`, which takes over from `current` once it is ready.
    case replacing(current: WorkerID, incoming: WorkerID)
    /// A rollout starts `incoming` in a slot that had no worker.
    case incoming(WorkerID)
    /// `current` is recycled (its lifetime is up): `replacement`, of its generation, takes over once
    /// it is ready; until then `current` serves.
    case recycling(current: WorkerID, replacement: WorkerID)

    /// The role a worker had in the slot it left.
    enum Role: Hashable, Sendable {
        case current
        case incoming
        /// A recycle's replacement, gone before it was ready.
        case replacement
    }

    /// The worker that serves, or will once it has started.
    var current: WorkerID? {
        switch self {
        case .serving(let id), .replacing(let id, _), .recycling(let id, _): id
        case .empty, .waiting, .incoming: nil
        }
    }

    /// The new-generation worker a rollout is starting here.
    var incoming: WorkerID? {
        switch self {
        case .replacing(_, let id), .incoming(let id): id
        case .empty, .waiting, .serving, .recycling: nil
        }
    }

    /// The worker a recycle is starting here (same generation as the current one).
    var replacement: WorkerID? {
        guard case .recycling(_, let id) = self else { return nil }
        return id
    }

    /// When a waiting slot respawns.
    var retryAt: Instant? {
        guard case .waiting(let until) = self else { return nil }
        return until
    }

    /// Its workers: the current one, then the incoming one or the replacement.
    var workers: [WorkerID] { [current, incoming, replacement].compactMap { $0 } }

    /// A worker was spawned for the slot: its incoming worker while the pool rolls out (next to the
    /// current one, or alone), else its current one. Only a slot without that role filled accepts it.
    mutating func assigned(_ id: WorkerID, rollingOut: Bool) throws(InvalidTransition) {
        switch (self, rollingOut) {
        case (.empty, false), (.waiting, false): self = .serving(id)
        case (.empty, true), (.waiting, true): self = .incoming(id)
        case (.serving(let current), true): self = .replacing(current: current, incoming: id)
        default: throw rejected()
        }
    }

    /// The incoming worker `id` is ready and takes the slot. Returns the worker it replaces (to retire).
    mutating func incomingReady(_ id: WorkerID) throws(InvalidTransition) -> WorkerID? {
        switch self {
        case .replacing(let current, id):
            self = .serving(id)
            return current
        case .incoming(id):
            self = .serving(id)
            return nil
        default:
            throw rejected()
        }
    }

    /// `id` left the slot (it exited, stopped by itself, or was rolled back). Returns its role there;
    /// the other worker, if any, stays.
    mutating func left(_ id: WorkerID) throws(InvalidTransition) -> Role {
        switch self {
        case .serving(id):
            self = .empty
            return .current
        case .replacing(id, let incoming):
            self = .incoming(incoming)
            return .current
        case .replacing(let current, id):
            self = .serving(current)
            return .incoming
        case .incoming(id):
            self = .empty
            return .incoming
        case .recycling(id, let replacement):
            // The replacement will serve once it has started.
            self = .serving(replacement)
            return .current
        case .recycling(let current, id):
            self = .serving(current)
            return .replacement
        default:
            throw rejected()
        }
    }

    /// A recycle spawned `id` to replace the serving worker: it serves until `id` is ready.
    mutating func recycleStarted(_ id: WorkerID) throws(InvalidTransition) {
        guard case .serving(let current) = self else { throw rejected() }
        self = .recycling(current: current, replacement: id)
    }

    /// The replacement `id` is ready and takes the slot. Returns the worker it replaces (to retire).
    mutating func replacementReady(_ id: WorkerID) throws(InvalidTransition) -> WorkerID {
        guard case .recycling(let current, id) = self else { throw rejected() }
        self = .serving(id)
        return current
    }

    /// An empty slot waits to respawn until `until`.
    mutating func waitToRespawn(until: Instant) throws(InvalidTransition) {
        guard self == .empty else { throw rejected() }
        self = .waiting(until: until)
    }

    /// A waiting slot stops waiting (new code to try, or droverd stopping): empty again.
    mutating func stopWaiting() throws(InvalidTransition) {
        guard case .waiting = self else { throw rejected() }
        self = .empty
    }

    private var name: String {
        switch self {
        case .empty: "empty"
        case .waiting: "waiting"
        case .serving: "serving"
        case .replacing: "replacing"
        case .incoming: "incoming"
        case .recycling: "recycling"
        }
    }

    private func rejected(_ input: String = #function) -> InvalidTransition {
        InvalidTransition(input: input, state: name)
    }
}
