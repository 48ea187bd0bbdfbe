//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import DroverShared
import Glibc

/// The seed image's prestart step: the script is *sourced* by `sh` (with `set -e`), so the
/// variables it exports become droverd's environment, and the workers'. Messages are the seed's.
enum Prestart {
    /// Why start-up stops: the script failed with this status.
    struct Failure: Error {
        let status: Int32
    }

    /// Runs the script at `path` if it is a regular file; returns the environment after it.
    static func run(_ path: String, environment: [(String, String)]) throws(Failure) -> [(String, String)] {
        writeOut("Checking for script in \(path)\n")
        guard SystemFacts.isRegularFile(path) else {
            writeOut("There is no script \(path)\n")
            return environment
        }
        writeOut("Running script \(path)\n")
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw Failure(status: 1) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // The script's own output goes to droverd's; the environment after it comes back on fd 3,
        // which the script itself does not get (a process it leaves running would hold it open).
        let script = "set -e; . \"$1\" 3>&-; exec env -0 >&3"
        // `.` looks a name without a slash up on PATH: make it a path.
        let argv = ["/bin/sh", "-c", script, "prestart", path.contains("/") ? path : "./" + path]
        let envp = environment.map { "\($0)=\($1)" }
        let pid = HelperProcess.spawn(argv: argv, environment: envp, extraFD: ends[1])
        close(ends[1])
        guard pid > 0 else {
            close(ends[0])
            writeError("droverd: prestart \(path): cannot run /bin/sh: \(errnoText(-pid))\n")
            throw Failure(status: 1)
        }
        let output = readAll(ends[0]) ?? []
        close(ends[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = ExitStatus(waitStatus: status)
        guard exit.isSuccess else {
            writeError("droverd: prestart script \(path) failed: \(exit)\n")
            if case .exited(let code) = exit { throw Failure(status: code) }
            throw Failure(status: 1)
        }
        guard !output.isEmpty else {
            // The script ran `exit`: as in the seed's start.sh, that ends the start-up, with its status.
            writeError("droverd: prestart script \(path) exited (\(exit)); nothing started\n")
            throw Failure(status: 0)
        }
        return merge(environment, after: output)
    }

    /// Runs `body` with `pool` (the first pool's `env`) added to `environment`; in what it returns,
    /// a pool variable the script left as it was goes back to droverd's own value (or away), so
    /// that it reaches only that pool's workers, as before.
    static func withPoolEnvironment(
        _ pool: [(String, String)],
        around environment: [(String, String)],
        _ body: ([(String, String)]) throws(Failure) -> [(String, String)]
    ) throws(Failure) -> [(String, String)] {
        guard !pool.isEmpty else { return try body(environment) }
        let names = Set(pool.map(\.0))
        let given = environment.filter { !names.contains($0.0) } + pool
        var after = try body(given)
        for (name, value) in pool where after.last(where: { $0.0 == name })?.1 == value {
            after.removeAll { $0.0 == name }
            after += environment.filter { $0.0 == name }
        }
        return after
    }

    /// The environment `env -0` printed, minus what `sh` itself adds.
    static func merge(_ before: [(String, String)], after output: [UInt8]) -> [(String, String)] {
        let shellOwn: Set<String> = ["SHLVL", "_", "PWD", "OLDPWD"]
        var result: [(String, String)] = []
        for entry in output.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            let name = String(text[..<equals])
            guard !shellOwn.contains(name) else { continue }
            result.append((name, String(text[text.index(after: equals)...])))
        }
        for (name, value) in before where shellOwn.contains(name) { result.append((name, value)) }
        return result
    }
}
