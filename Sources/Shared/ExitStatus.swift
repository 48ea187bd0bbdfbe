//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a process ended, as `waitpid` reports it.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal killed it.
    case signaled(Signal, coreDumped: Bool)
    /// The kernel's OOM killer killed it (SIGKILL): droverd saw the OOM kill count of its memory
    /// cgroup (or of the host) move when it died.
    case outOfMemory

    /// Decodes a raw `waitpid` status word.
    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(Signal(signal), coreDumped: status & 0x80 != 0)
        }
    }

    /// `exit 3`, `killed by SIGKILL` or `killed by SIGKILL (out of memory)`.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal, let core): "killed by \(signal)" + (core ? " (core dumped)" : "")
        case .outOfMemory: "killed by SIGKILL (out of memory)"
        }
    }

    /// The signal that killed it, if one did.
    public var signal: Signal? {
        switch self {
        case .exited: nil
        case .signaled(let signal, _): signal
        case .outOfMemory: .kill
        }
    }

    /// True for `exit 0`.
    public var isSuccess: Bool { self == .exited(0) }
}
