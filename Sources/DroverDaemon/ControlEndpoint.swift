//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import NIOCore

/// What a ``ControlConnectionHandler`` hands its connection's requests to: droverd's ``Daemon``,
/// or a fake in the handler's in-process tests. Called on the connection's event loop.
protocol ControlEndpoint: AnyObject, Sendable {
    /// A client was admitted; nil when there are too many already.
    func controlClientConnected(_ channel: any Channel) -> ControlClient?
    /// One request line (UTF-8, at most 64 KiB, without its newline).
    func controlRequest(_ line: String, from client: ControlClient)
    /// The client's connection closed.
    func controlClientLeft(_ client: ControlClient)
}

extension Daemon: ControlEndpoint {}
