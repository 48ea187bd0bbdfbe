//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@preconcurrency import Dispatch
import DroverShared
import Glibc
import Logging
import NIOCore

/// The app's `prometheus_client` multiprocess metrics, owned by droverd: each pool's directory
/// (the user's, or one droverd makes and exports as `PROMETHEUS_MULTIPROC_DIR`), what happens to a
/// dead process's files, and the merged metrics `/metrics` serves after droverd's own.
///
/// Two places, each with its own state: the event loop registers directories and marks a reaped
/// process dead (its live gauges go at once, before its `child_exit` hook runs); a serial queue
/// does the rest of the file work — folding the dead process's files into the archives, reading
/// every file for a scrape — in order, so a scrape never sees a file both folded and still there,
/// and never holds up the loop.
final class AppMetrics: @unchecked Sendable {
    /// Folds and scrapes, one at a time, off the event loop.
    let queue = DispatchQueue(label: "drover.app-metrics")
    private let logger: Logger
    /// droverd's environment, as the workers get it (before the pool's `env`).
    private let environment: [(String, String)]
    /// Where droverd's own directories go: `NAME-metrics-PID-XXXXXX` in droverd's runtime directory.
    private let parent: String
    private let name: String

    // The event loop's.
    private var root: String?
    private var rootFailed = false
    private var unusable: Set<String> = []
    /// Directories by path, in the order they were first used, and the pools using each.
    private var directories: [AppMetricsDirectory] = []
    private var pools: [String: [String]] = [:]

    // The queue's: what was already warned about (a corrupt file, a family left out), once each;
    // whether samples get a `pool` label.
    private var warned: Set<String> = []
    private var labelled = false

    init(environment: [(String, String)], runtimeDirectory: String?, name: String, logger: Logger) {
        self.environment = environment
        self.parent = runtimeDirectory ?? environment.last { $0.0 == "TMPDIR" }?.1 ?? "/tmp"
        self.name = name
        self.logger = logger
    }

    /// The directory to export to `pool`'s workers as `PROMETHEUS_MULTIPROC_DIR`, made (and
    /// registered) the first time; nil when the user set one (registered and cleared the first
    /// time, as the usual `on_starting` does) or the pool gets none. On the loop.
    func directory(for pool: PoolConfiguration) -> String? {
        switch AppMetricsPlan.choice(for: pool, environment: environment) {
        case .none:
            return nil
        case .user(let path):
            if pools[path] == nil {
                if mkdir(path, 0o755) != 0 && errno != EEXIST {
                    logger.warning("PROMETHEUS_MULTIPROC_DIR \(path): \(errnoText())")
                }
                AppMetricsDirectory(path: path).clear()
                logger.info("Prometheus multiprocess directory: \(path) (cleared; dead workers' files are folded)")
            }
            register(path, pool: pool.name)
            return nil
        case .own:
            guard let root = makeRoot() else { return nil }
            let path = root + "/" + pool.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
            guard !unusable.contains(path) else { return nil }
            if pools[path] == nil {
                guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                    logger.warning(
                        "Cannot make \(path): \(errnoText()); pool \(pool.name)'s app metrics are not collected"
                    )
                    unusable.insert(path)
                    return nil
                }
                let owner = AppMetricsPlan.workerOwner(of: pool)
                if owner.user != nil || owner.group != nil { give(path, to: owner) }
            }
            register(path, pool: pool.name)
            return path
        }
    }

    /// A process droverd reaped: its live gauges go now, its other files are folded on the queue.
    func processExited(_ pid: Int32) {
        guard !directories.isEmpty else { return }
        let directories = self.directories
        for directory in directories { directory.markDead(pid) }
        queue.async { [self] in
            for directory in directories {
                for warning in directory.fold(pid) { logger.warning("App metrics: \(warning)") }
            }
        }
    }

    /// The app's merged metrics in `format`, read on the queue (the future completes on `loop`);
    /// families named in `reserved` (droverd's) are left out.
    func exposition(
        reserved: Set<String>,
        format: ExpositionFormat = .text,
        on loop: any EventLoop
    ) -> EventLoopFuture<String> {
        let promise = loop.makePromise(of: String.self)
        let directories = self.directories.map { ($0, pools[$0.path, default: []]) }
        queue.async { [self] in
            var read: [AppMetricsExposition.Directory] = []
            for (directory, pools) in directories {
                let (files, corrupt) = directory.read()
                for (path, reason) in corrupt { warnOnce(path, "App metrics: \(path) skipped: \(reason)") }
                read.append(AppMetricsExposition.Directory(pools: pools, files: files))
            }
            // Once two pools have written metrics, every sample keeps its pool label from then on.
            labelled = labelled || AppMetricsExposition.labelsPools(read)
            let sources = AppMetricsExposition.sources(read, labelled: labelled)
            let (text, skipped) = AppMetricsExposition.text(sources, reserved: reserved, format: format)
            for family in skipped { warnOnce(family, "App metrics: \(family); left out of /metrics") }
            promise.succeed(text)
        }
        return promise.futureResult
    }

    /// droverd is done (every worker reaped): the queued folds finish, and droverd's own directories go.
    func close() {
        queue.sync {}
        if let root { removeTree(root) }
        root = nil
    }

    /// The directory an absolute path is in (the control socket's: droverd's runtime directory).
    static func directory(containing path: String) -> String? {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func register(_ path: String, pool: String) {
        if pools[path] == nil { directories.append(AppMetricsDirectory(path: path)) }
        if !pools[path, default: []].contains(pool) { pools[path, default: []].append(pool) }
    }

    /// droverd's own directory's parent: droverd's runtime directory, else `$TMPDIR` or `/tmp`; made
    /// once (a failure is told once: the pools then get no directory).
    private func makeRoot() -> String? {
        if let root { return root }
        guard !rootFailed else { return nil }
        let temporary = environment.last { $0.0 == "TMPDIR" }?.1 ?? "/tmp"
        removeLeftovers()
        for parent in [parent, temporary] {
            var template = Array("\(parent)/\(name)-metrics-\(getpid())-XXXXXX".utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { continue }
            _ = chmod(made, 0o711)  // workers that switch user reach their pool's directory, and list none
            let root = String(cString: made)
            self.root = root
            logger.info("Prometheus multiprocess directories: \(root)/POOL (removed at exit)")
            return root
        }
        rootFailed = true
        logger.warning("Cannot make a directory in \(parent) or \(temporary) for the app's metrics: \(errnoText())")
        return nil
    }

    /// Removes the directories a droverd of this name left in the runtime directory when it was
    /// killed (`NAME-metrics-PID-XXXXXX` of a pid that is gone).
    private func removeLeftovers() {
        let prefix = "\(name)-metrics-"
        for entry in directoryEntries(parent) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = entry.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                kill(pid, 0) != 0 && errno == ESRCH
            else { continue }
            removeTree(parent + "/" + entry)
        }
    }

    /// Hands a pool's directory to the user and group its workers switch to (droverd runs as root then).
    private func give(_ path: String, to owner: (user: String?, group: String?)) {
        let uid = owner.user.flatMap { name in UInt32(name) ?? getpwnam(name).map { $0.pointee.pw_uid } }
        let gid = owner.group.flatMap { name in UInt32(name) ?? getgrnam(name).map { $0.pointee.gr_gid } }
        if chown(path, uid ?? UInt32.max, gid ?? UInt32.max) != 0 {
            logger.warning("Cannot give \(path) to the workers' user: \(errnoText())")
        }
    }

    private func warnOnce(_ key: String, _ message: String) {
        guard warned.insert(key).inserted else { return }
        logger.warning("\(message)")
    }
}

/// Removes a directory and what it holds.
private func removeTree(_ path: String) {
    for name in directoryEntries(path) ?? [] {
        let child = path + "/" + name
        if unlink(child) != 0 && errno == EISDIR { removeTree(child) }
    }
    rmdir(path)
}
