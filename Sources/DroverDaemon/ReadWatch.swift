//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch

/// Watches a descriptor for readability with a libdispatch source. After each callback the
/// watch stays quiet until ``resume()``, so the event loop reads at its own pace.
final class ReadWatch: Sendable {
    private let source: any DispatchSourceRead

    /// Starts watching `fd`; `readable` runs on `queue`. `cancelled` runs once the watch is cancelled
    /// and no callback is pending (the place to close `fd`).
    init(
        fd: Int32,
        queue: DispatchQueue,
        cancelled: (@Sendable () -> Void)? = nil,
        readable: @escaping @Sendable () -> Void
    ) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        // libdispatch releases the handler (and so this reference to the source) on cancellation.
        source.setEventHandler {
            source.suspend()
            readable()
        }
        if let cancelled { source.setCancelHandler(handler: cancelled) }
        self.source = source
        source.resume()
    }

    /// Re-arms the watch after a callback.
    func resume() {
        source.resume()
    }

    func cancel() {
        source.cancel()
    }
}
