//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Logging
import NIOCore

// MARK: - Development reload mode

extension Daemon {
    /// The environment workers start from. In reload mode Python writes no bytecode cache
    /// (unless the environment says otherwise): an edit that keeps a file's size, saved within
    /// the second its bytecode was written, would otherwise be served from the stale cache.
    static func workerEnvironment(_ environment: [(String, String)], reload: Bool) -> [(String, String)] {
        guard reload, !environment.contains(where: { $0.0 == "PYTHONDONTWRITEBYTECODE" }) else { return environment }
        return environment + [("PYTHONDONTWRITEBYTECODE", "1")]
    }

    /// Development mode: watch the app directory and restart the workers when a file that counts changes.
    func watchAppDirectory() {
        do {
            let watcher = try FileWatcher(root: ".", filter: configuration.reloadFilter)
            watcher.watch(on: ioQueue) { [loop, self] in
                loop.execute { self.assumeIsolated { $0.filesChanged() } }
            }
            fileWatcher = watcher
            let patterns = configuration.reloadFilter.include.joined(separator: " ")
            logger.info("Reload mode: watching \(patterns) in \(watcher.count) directories")
        } catch {
            logger.error("\(error)")
        }
    }

    private func filesChanged() {
        guard let watcher = fileWatcher else { return }
        defer { watcher.resume() }
        let changed = watcher.changes()
        guard !changed.isEmpty else { return }
        changedFiles.formUnion(changed)
        // Editors write in bursts: wait for a quiet 100 ms, then roll out once.
        pendingRestart?.cancel()
        pendingRestart = loop.scheduleTask(in: .milliseconds(100)) { [self] in
            self.assumeIsolated { $0.restartForChanges() }
        }
    }

    private func restartForChanges() {
        pendingRestart = nil
        let files = changedFiles.sorted()
        changedFiles = []
        let shown = files.prefix(5).joined(separator: ", ") + (files.count > 5 ? ", …" : "")
        logger.info("Changed: \(shown); restarting the workers")
        feed(.command(.restart(pool: nil), from: .signal))
    }
}
