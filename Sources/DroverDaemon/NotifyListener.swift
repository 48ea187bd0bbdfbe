//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
@preconcurrency import Dispatch
import DroverCore
import Glibc

/// The workers' `NOTIFY_SOCKET`: one datagram socket with `SO_PASSCRED`, so the kernel
/// tells droverd which process sent each `sd_notify` message. Any program that speaks
/// systemd's protocol can report readiness, status and watchdog pings.
final class NotifyListener: @unchecked Sendable {
    /// The address workers send to (`@…` is the abstract namespace).
    let address: String
    private let fd: Int32
    private var watch: ReadWatch?
    private var buffer = [CChar](repeating: 0, count: 65536)  // a load failure carries a traceback

    init(address: String) throws(ListenerError) {
        let fd = cdrover_notify_socket(address)
        guard fd >= 0 else { throw ListenerError("notify socket \(address): \(errnoText(-fd))") }
        self.address = address
        self.fd = fd
    }

    /// Starts watching; `readable` runs on `queue` and must call ``receive()`` then ``resume()`` later.
    func watch(on queue: DispatchQueue, readable: @escaping @Sendable () -> Void) {
        watch = ReadWatch(fd: fd, queue: queue, readable: readable)
    }

    func resume() {
        watch?.resume()
    }

    /// Stops watching (droverd is leaving).
    func stop() {
        watch?.cancel()
        watch = nil
    }

    /// Every datagram queued now, with the kernel-attested sender pid.
    func receive() -> [(pid: Int32, message: NotifyMessage)] {
        var messages: [(Int32, NotifyMessage)] = []
        // Bounded, so a flood cannot starve the loop; the rest comes on the next callback.
        for _ in 0..<1024 {
            var sender: pid_t = 0
            let count = buffer.withUnsafeMutableBufferPointer {
                cdrover_notify_receive(fd, $0.baseAddress, $0.count, &sender)
            }
            if count == -Int(EAGAIN) || count == -Int(EWOULDBLOCK) { break }
            if count < 0 { continue }
            guard sender > 0 else { continue }
            let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            messages.append((sender, NotifyMessage(parsing: text)))
        }
        return messages
    }
}
