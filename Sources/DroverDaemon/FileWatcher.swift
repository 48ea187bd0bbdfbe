//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverShared
import Glibc

/// Development mode's eyes: inotify watches on the app directory and every subdirectory the
/// filter does not exclude (new ones are added as they appear). Used on the event loop only.
final class FileWatcher: @unchecked Sendable {
    private let fd: Int32
    private let root: String
    private let filter: ReloadFilter
    /// Watch descriptor → directory, relative to the root ("" for the root).
    private var directories: [Int32: String] = [:]
    private var watch: ReadWatch?

    private static let mask = UInt32(
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF
    )

    init(root: String, filter: ReloadFilter) throws(ListenerError) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw ListenerError("--reload: inotify: \(errnoText())") }
        self.root = root
        self.filter = filter
        add("")
    }

    /// How many directories are watched.
    var count: Int { directories.count }

    /// Watches `relative` and, recursively, its subdirectories; returns the files found in them
    /// that count (for a directory that appears later, its files may predate its watch).
    @discardableResult
    private func add(_ relative: String) -> [String] {
        let path = relative.isEmpty ? root : root + "/" + relative
        let descriptor = inotify_add_watch(fd, path, Self.mask)
        guard descriptor >= 0 else { return [] }
        directories[descriptor] = relative
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let child = relative.isEmpty ? name : relative + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) {
                if !filter.skipsDirectory(name) { found += add(child) }
            } else if filter.counts(child) {
                found.append(child)
            }
        }
        return found
    }

    func watch(on queue: DispatchQueue, readable: @escaping @Sendable () -> Void) {
        watch = ReadWatch(fd: fd, queue: queue, readable: readable)
    }

    func resume() {
        watch?.resume()
    }

    /// Stops watching (droverd is leaving).
    func stop() {
        watch?.cancel()
        watch = nil
    }

    /// The changed files that count (relative paths), after reading every queued event.
    func changes() -> [String] {
        var changed: [String] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (descriptor, mask, length) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let name = String(decoding: buffer[nameStart..<nameStart + length].prefix { $0 != 0 }, as: UTF8.self)
                offset = nameStart + length
                guard let directory = directories[descriptor] else { continue }
                if mask & UInt32(IN_DELETE_SELF) != 0 || mask & UInt32(IN_IGNORED) != 0 {
                    directories.removeValue(forKey: descriptor)
                    continue
                }
                let path = directory.isEmpty ? name : directory + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 {
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !filter.skipsDirectory(name) {
                        changed += add(path)
                    }
                    continue
                }
                if filter.counts(path) { changed.append(path) }
            }
        }
        return changed
    }
}
