//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("A slot's states: each input valid in its state, the others rejected")
struct SlotStateTests {
    let a = WorkerID(1)
    let b = WorkerID(2)
    let c = WorkerID(3)
    let later = Instant(nanoseconds: 5_000_000_000)

    /// Every input, with fixed arguments (worker `c` is in no slot of the table).
    var inputs: [(name: String, apply: (inout SlotState) throws -> Void)] {
        [
            ("assigned", { [c] in try $0.assigned(c, rollingOut: false) }),
            ("assigned rolling out", { [c] in try $0.assigned(c, rollingOut: true) }),
            ("incomingReady a", { [a] in _ = try $0.incomingReady(a) }),
            ("incomingReady b", { [b] in _ = try $0.incomingReady(b) }),
            ("left a", { [a] in _ = try $0.left(a) }),
            ("left b", { [b] in _ = try $0.left(b) }),
            ("left c", { [c] in _ = try $0.left(c) }),
            ("waitToRespawn", { [later] in try $0.waitToRespawn(until: later) }),
            ("stopWaiting", { try $0.stopWaiting() }),
            ("recycleStarted", { [c] in try $0.recycleStarted(c) }),
            ("replacementReady a", { [a] in _ = try $0.replacementReady(a) }),
            ("replacementReady b", { [b] in _ = try $0.replacementReady(b) }),
        ]
    }

    /// Each state, with the inputs it accepts.
    var table: [(state: SlotState, accepts: Set<String>)] {
        [
            (.empty, ["assigned", "assigned rolling out", "waitToRespawn"]),
            (.waiting(until: later), ["assigned", "assigned rolling out", "stopWaiting"]),
            (.serving(a), ["assigned rolling out", "left a", "recycleStarted"]),
            (.replacing(current: a, incoming: b), ["incomingReady b", "left a", "left b"]),
            (.incoming(b), ["incomingReady b", "left b"]),
            (.recycling(current: a, replacement: b), ["replacementReady b", "left a", "left b"]),
        ]
    }

    @Test("every state accepts its inputs and rejects the others, unchanged")
    func acceptsAndRejects() {
        for (state, accepts) in table {
            for (name, apply) in inputs {
                var next = state
                if accepts.contains(name) {
                    #expect(throws: Never.self, "\(name) in \(state)") { try apply(&next) }
                } else {
                    #expect(throws: InvalidTransition.self, "\(name) in \(state)") { try apply(&next) }
                    #expect(next == state, "\(name) in \(state)")
                }
            }
        }
    }

    @Test("a spawn fills an empty or waiting slot: current, or incoming during a rollout")
    func assigned() throws {
        var slot = SlotState.waiting(until: later)
        #expect(slot.retryAt == later && slot.workers.isEmpty)
        try slot.assigned(a, rollingOut: false)
        #expect(slot == .serving(a) && slot.current == a && slot.incoming == nil && slot.retryAt == nil)
        try slot.assigned(b, rollingOut: true)
        #expect(slot == .replacing(current: a, incoming: b) && slot.workers == [a, b])
        var empty = SlotState.empty
        try empty.assigned(b, rollingOut: true)
        #expect(empty == .incoming(b) && empty.current == nil && empty.incoming == b)
        let error = #expect(throws: InvalidTransition.self) { try slot.assigned(c, rollingOut: true) }
        #expect(error?.state == "replacing")
    }

    @Test("a ready incoming worker takes the slot and names the one it replaces")
    func incomingReady() throws {
        var slot = SlotState.replacing(current: a, incoming: b)
        #expect(try slot.incomingReady(b) == a)
        #expect(slot == .serving(b))
        var alone = SlotState.incoming(b)
        #expect(try alone.incomingReady(b) == nil)
        #expect(alone == .serving(b))
    }

    @Test("a worker leaving tells its role; the other one stays")
    func left() throws {
        var slot = SlotState.replacing(current: a, incoming: b)
        #expect(try slot.left(a) == .current)
        #expect(slot == .incoming(b))
        #expect(try slot.left(b) == .incoming)
        #expect(slot == .empty)
        slot = .replacing(current: a, incoming: b)
        #expect(try slot.left(b) == .incoming)
        #expect(slot == .serving(a))
        #expect(try slot.left(a) == .current)
        #expect(slot == .empty)
    }

    @Test("a recycle: the replacement starts next to the serving worker, and takes the slot once ready")
    func recycling() throws {
        var slot = SlotState.serving(a)
        try slot.recycleStarted(b)
        #expect(slot == .recycling(current: a, replacement: b))
        #expect(slot.current == a && slot.replacement == b && slot.incoming == nil && slot.workers == [a, b])
        let error = #expect(throws: InvalidTransition.self) { try slot.recycleStarted(c) }
        #expect(error?.state == "recycling")
        #expect(throws: InvalidTransition.self) { try slot.assigned(c, rollingOut: true) }
        #expect(try slot.replacementReady(b) == a)
        #expect(slot == .serving(b))
    }

    @Test("a recycle's replacement that fails leaves the old worker serving; the old leaving leaves the replacement")
    func recyclingLeft() throws {
        var slot = SlotState.recycling(current: a, replacement: b)
        #expect(try slot.left(b) == .replacement)
        #expect(slot == .serving(a))
        slot = .recycling(current: a, replacement: b)
        #expect(try slot.left(a) == .current)
        #expect(slot == .serving(b))
    }

    @Test("only an empty slot waits; waiting ends empty")
    func waiting() throws {
        var slot = SlotState.empty
        try slot.waitToRespawn(until: later)
        #expect(slot == .waiting(until: later))
        #expect(throws: InvalidTransition.self) { try slot.waitToRespawn(until: later) }
        try slot.stopWaiting()
        #expect(slot == .empty)
    }
}
