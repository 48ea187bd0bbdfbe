//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// droverd's own parts, undone in reverse order of start, once, on every way out: each part
/// registers how it stops as soon as it has started (the pid file is removed, the hook runner
/// finishes, the control and ops sockets close, the log is flushed).
///
/// A stack of closures rather than swift-service-lifecycle's `ServiceGroup`: droverd's parts are
/// not async services (the event loop is NIO's, the exit is one `wait`); the ServiceGroup fits the
/// driver the architecture issue asks for, and comes with it.
final class Teardown {
    private var steps: [(name: String, run: () -> Void)] = []
    private var done = false

    /// Registers what undoes a part that just started.
    func add(_ name: String, _ run: @escaping () -> Void) {
        steps.append((name, run))
    }

    /// Undoes every part, last started first; later calls do nothing.
    func run() {
        guard !done else { return }
        done = true
        for step in steps.reversed() { step.run() }
        steps = []
    }
}
