//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore

/// droverd's last wait, on its way out, for its control clients to read what it wrote them (the
/// answer to `stop` comes after every progress event). What droverd holds is lost when it exits;
/// what the kernel holds is not. So it waits while its own buffers still hold bytes and a client
/// keeps reading: until the clients stop taking bytes for ``stall``, or ``limit`` at most.
struct ControlDrain {
    /// How long the clients may take no bytes at all.
    static let stall = TimeAmount.seconds(3)
    /// The longest droverd waits, however slowly the clients read.
    static let limit = TimeAmount.seconds(30)
    /// How often droverd looks.
    static let interval = TimeAmount.milliseconds(50)

    private let started: NIODeadline
    private var progressed: NIODeadline
    private var buffered = Int.max

    init(at now: NIODeadline) {
        started = now
        progressed = now
    }

    /// Whether droverd may leave, with `buffered` bytes still unsent to its clients at `now`.
    mutating func done(buffered: Int, at now: NIODeadline) -> Bool {
        if buffered < self.buffered { progressed = now }
        self.buffered = buffered
        return buffered == 0 || now - progressed >= Self.stall || now - started >= Self.limit
    }
}
