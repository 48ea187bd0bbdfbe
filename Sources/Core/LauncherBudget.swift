//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a retiring launcher spends the pool's graceful timeout, so it is done before droverd's kill
/// deadline: first `idleGrace` for keep-alive connections to send one last request, then up to
/// `graceful` for requests in flight and the lifespan shutdown.
public struct LauncherBudget: Hashable, Sendable {
    public var idleGrace: Duration
    public var graceful: Duration

    public init(idleGrace: Duration, graceful: Duration) {
        self.idleGrace = idleGrace
        self.graceful = graceful
    }
}
