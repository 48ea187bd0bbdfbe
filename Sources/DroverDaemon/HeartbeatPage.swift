//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import DroverCore
import Glibc

/// A shared-memory page (a memfd) on which a worker's launcher writes a monotonic
/// timestamp from its event loop; droverd reads it only at the worker's deadline.
///
/// Layout (native-endian UInt64s): 0 the stamp, 8 requests served, 16 requests in flight, 24 the
/// start of the oldest request in flight (0: none, or not tracked), all CLOCK_MONOTONIC ns.
final class HeartbeatPage {
    static let size = 4096
    /// The memfd, passed to the worker after its sockets.
    let fd: Int32
    private let stamp: UnsafePointer<UInt64>

    init() throws(SpawnError) {
        let fd = cdrover_memfd("drover-heartbeat", HeartbeatPage.size)
        guard fd >= 0 else { throw SpawnError("heartbeat page: memfd_create: \(errnoText(-fd))") }
        guard let mapped = cdrover_map_u64(fd, HeartbeatPage.size) else {
            let message = errnoText()
            close(fd)
            throw SpawnError("heartbeat page: mmap: \(message)")
        }
        self.fd = fd
        self.stamp = UnsafePointer(mapped)
    }

    /// What the worker counted at its last beat: requests served so far (bytes 8..15) and in flight
    /// (16..23; the launcher writes both with the stamp).
    var load: (served: UInt64, inFlight: UInt64) {
        (cdrover_load_u64(stamp + 1), cdrover_load_u64(stamp + 2))
    }

    /// When the worker's oldest request in flight started (bytes 24..31, written with each stamp
    /// when `--request-timeout` is given to the launcher), or nil when none is.
    var oldestRequest: Instant? { instant(at: 3) }

    /// The worker's last stamp, or nil if it has written none.
    var lastBeat: Instant? { instant(at: 0) }

    /// The page's word `index` as an instant; 0 means none.
    private func instant(at index: Int) -> Instant? {
        let value = cdrover_load_u64(stamp + index)
        return value == 0 ? nil : Instant(nanoseconds: value)
    }

    deinit {
        cdrover_unmap(stamp, HeartbeatPage.size)
        close(fd)
    }
}
