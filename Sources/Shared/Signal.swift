//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX signal number with its conventional name.
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    /// The signal number as the kernel knows it.
    public var rawValue: Int32

    /// Wraps a signal number.
    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let hangup = Signal(SIGHUP)
    public static let interrupt = Signal(SIGINT)
    public static let quit = Signal(SIGQUIT)
    public static let abort = Signal(SIGABRT)
    public static let kill = Signal(SIGKILL)
    public static let user1 = Signal(SIGUSR1)
    public static let user2 = Signal(SIGUSR2)
    public static let pipe = Signal(SIGPIPE)
    public static let terminate = Signal(SIGTERM)
    public static let child = Signal(SIGCHLD)
    public static let ttyInput = Signal(SIGTTIN)
    public static let ttyOutput = Signal(SIGTTOU)

    private static let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
        SIGTTOU: "SIGTTOU", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
    ]

    /// Parses `TERM`, `SIGTERM` or `15`.
    public init?(name: String) {
        if let number = Int32(name), number > 0, number < 65 {
            self.init(number)
            return
        }
        let upper = name.uppercased()
        let full = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        guard let match = Self.names.first(where: { $0.value == full }) else { return nil }
        self.init(match.key)
    }

    /// `SIGTERM`, or `signal 42` for a number without a name.
    public var description: String {
        Self.names[rawValue] ?? "signal \(rawValue)"
    }
}
