//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What the ``TemplateTable`` asks of the shell.
public enum TemplateAction: Hashable, Sendable {
    /// Start the template for `key`, configured as for this order (its sockets, environment and
    /// launcher arguments); report ``TemplateTable/ready(_:now:)`` or ``TemplateTable/exited(_:now:)``.
    case start(TemplateKey, SpawnOrder)
    /// Ask the ready template to fork this order's worker; the result is the order's spawn event,
    /// or ``TemplateTable/forkFailed(_:_:now:)``.
    case fork(TemplateKey, SpawnOrder)
    /// Start this order's worker the classic way; the result is the order's spawn event.
    case exec(SpawnOrder)
    /// Stop this template (its workers are left alone).
    case stop(TemplateKey)
}
