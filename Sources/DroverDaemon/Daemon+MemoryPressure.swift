//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Logging
import NIOCore

// MARK: - memory_pressure: the kernel's signal, the workers' sizes, the core's choice

extension Daemon {
    /// Starts watching droverd's memory cgroup once some pool has `memory_pressure` (at start, and
    /// after a reload that turns it on); the watch stays for droverd's life. No pool wants it: no
    /// watch and no wake-up. Where there is nothing to watch, one warning says why.
    func watchMemoryPressureIfWanted() {
        guard pressureWatch == nil, configuration.pools.contains(where: \.memoryPressure) else { return }
        do {
            let watch = try MemoryPressureWatch(environment: loader.environmentDictionary)
            pressureWatch = watch
            let readable = ReadWatch(fd: watch.fd, queue: ioQueue) { [self] in
                self.onLoop { $0.memoryPressureSignalled() }
            }
            pressureReadWatch = readable
            parts.add("memory pressure watch") { [self] in
                readable.cancel()
                self.pressureRecheck?.cancel()
            }
            logger.info("Memory pressure: watching \(watch.description)")
        } catch {
            pressureWatch = nil
            logger.warning("memory_pressure: \(error); no worker will be recycled for it")
        }
    }

    private func memoryPressureSignalled() {
        defer { pressureReadWatch?.resume() }
        lookAtMemoryPressure()
    }

    /// Asks the watch; memory short: the core hears every worker's size. A v1 cgroup still over its
    /// threshold gets another look in a second (the kernel signals only crossings).
    private func lookAtMemoryPressure() {
        guard let watch = pressureWatch else { return }
        let (short, recheck) = watch.check()
        pressureRecheck?.cancel()
        pressureRecheck =
            recheck
            ? loop.scheduleTask(in: .seconds(1)) {
                [self] in
                self.pressureRecheck = nil
                self.lookAtMemoryPressure()
            } : nil
        guard short else { return }
        var sizes: [WorkerID: UInt64] = [:]
        for (id, process) in processes {
            if let bytes = ProcessSample.uniqueMemory(of: process.pid) { sizes[id] = bytes }
        }
        feed(.memoryPressure(sizes: sizes))
    }
}
