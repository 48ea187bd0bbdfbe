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

    /// Decodes a raw `waitpid` status word.
    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(Signal(signal), coreDumped: status & 0x80 != 0)
        }
    }

    /// `exit 3` or `killed by SIGKILL`.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal, let core): "killed by \(signal)" + (core ? " (core dumped)" : "")
        }
    }

    /// True for `exit 0`.
    public var isSuccess: Bool { self == .exited(0) }
}
