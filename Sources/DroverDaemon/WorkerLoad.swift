//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a uvicorn worker's heartbeat page says, read when `/metrics` is scraped: the requests it
/// served and has in flight (as Uvicorn counts them, written with each stamp) and how old its last
/// stamp is (the heartbeat lag).
struct WorkerLoad: Hashable, Sendable {
    var served: UInt64
    var inFlight: UInt64
    /// Seconds since its last stamp; nil before the first.
    var heartbeatAge: Double?
}
