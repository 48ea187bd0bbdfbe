//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverShared
import Glibc

/// Turns the signals droverd handles into calls on its event loop.
///
/// libdispatch catches each signal and reports it on a queue; nothing runs in signal context.
/// Register first thing: until then a signal's default action applies.
final class SignalSource: Sendable {
    static let handled: [Signal] = [
        .terminate, .interrupt, .quit, .hangup, .ttyInput, .ttyOutput, .user1, .user2, .child,
        Signal(SIGWINCH),
    ]

    private let sources: [any DispatchSourceSignal]

    init(queue: DispatchQueue, handler: @escaping @Sendable (Signal) -> Void) {
        sources = Self.handled.map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal.rawValue, queue: queue)
            source.setEventHandler { handler(signal) }
            source.resume()
            return source
        }
    }
}
