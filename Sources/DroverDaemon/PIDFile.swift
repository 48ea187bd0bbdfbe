//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// droverd's `--pid` file: written atomically at start, removed at exit; a file naming a
/// droverd that still runs makes start-up fail.
struct PIDFile {
    let path: String

    func write() throws(ListenerError) {
        if let text = readTextFile(path), let pid = Int32(text.split(separator: "\n").first ?? ""), pid > 0,
            pid != getpid(), kill(pid, 0) == 0
        {
            throw ListenerError("--pid \(path): process \(pid) is running (another droverd?)")
        }
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ListenerError("--pid \(path): \(errnoText())") }
        writeAll(fd, "\(getpid())\n")
        close(fd)
        guard rename(temporary, path) == 0 else {
            let message = errnoText()
            unlink(temporary)
            throw ListenerError("--pid \(path): \(message)")
        }
    }

    /// Removes the file if it still names this process.
    func remove() {
        guard let text = readTextFile(path), Int32(text.split(separator: "\n").first ?? "") == getpid() else { return }
        unlink(path)
    }
}
