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
            watcher.watch(on: ioQueue) { [self] in
                self.onLoop { $0.filesChanged() }
            }
            fileWatcher = watcher
            parts.add("file watcher") { watcher.stop() }
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
        feed(.filesChanged(changed.sorted()))  // the core waits for a quiet moment, then restarts once
    }
}
