//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// The templates (fork servers) of the pools that spawn by fork, and every decision about them:
/// which spawn order is forked, which waits for its template and which falls back to exec; when a
/// template starts, is restarted and is stopped. Pure, like the ``Supervisor``: inputs in,
/// ``TemplateAction``s out; the shell starts, asks and stops the processes and reports back.
///
/// - A generation's first spawn order starts its template; orders wait for it while it imports.
/// - A ready template forks every order of its generation.
/// - A template that exits (or is stopped for hanging) hands its waiting orders to exec, so a slot
///   is never left empty: a broken app then fails exactly as an exec'd worker does. One that was
///   serving is started again at once (unless it died soon after it became ready three times in a
///   row); one that failed to start, or keeps dying, starts again on a later order after a backoff,
///   and orders exec until then.
/// - A generation that is done (its rollout finished or failed, its pool removed, droverd
///   stopping) has its template stopped; its workers are not touched.
public struct TemplateTable: Sendable {
    /// One template's life.
    enum Phase: Equatable, Sendable {
        /// Importing; these orders wait for it.
        case starting(since: Instant, pending: [SpawnOrder])
        /// Forking on request, since then.
        case ready(since: Instant)
        /// Not running; the next order starts it again from `retryAt` on.
        case down(retryAt: Instant)
    }

    struct Entry: Sendable {
        var phase: Phase
        /// The order it was started for: how it is configured.
        var seed: SpawnOrder
        /// Failed starts in a row.
        var failures: Int = 0
    }

    private var entries: [TemplateKey: Entry] = [:]
    private var retired: Set<TemplateKey> = []
    private var stopping = false

    /// How long a template must have been ready for its exit to count as bad luck, not a failure.
    public static let settled: Duration = .seconds(1)
    /// Failures in a row (exits before or soon after ready) after which a template is left down.
    public static let quickDeaths = 3
    /// The longest wait before a template that keeps failing is tried again.
    public static let maximumBackoff: Duration = .seconds(30)

    public init() {}

    /// Whether `order`'s worker is one to fork: a uvicorn pool in fork mode.
    public static func forks(_ order: SpawnOrder) -> Bool {
        guard case .uvicorn(let options) = order.configuration.kind else { return false }
        return options.spawn == .fork
    }

    /// A spawn order of a pool in fork mode.
    public mutating func order(_ order: SpawnOrder, now: Instant) -> [TemplateAction] {
        let key = TemplateKey(order)
        guard !stopping, !retired.contains(key) else { return [.exec(order)] }
        guard var entry = entries[key] else {
            entries[key] = Entry(phase: .starting(since: now, pending: [order]), seed: order)
            return [.start(key, order)]
        }
        switch entry.phase {
        case .starting(let since, let pending):
            entry.phase = .starting(since: since, pending: pending + [order])
            entries[key] = entry
            return []
        case .ready:
            return [.fork(key, order)]
        case .down(let retryAt):
            guard now >= retryAt else { return [.exec(order)] }
            entry.phase = .starting(since: now, pending: [order])
            entry.seed = order
            entries[key] = entry
            return [.start(key, order)]
        }
    }

    /// The template said it is ready: it forks what waited for it.
    public mutating func ready(_ key: TemplateKey, now: Instant) -> [TemplateAction] {
        guard var entry = entries[key], case .starting(_, let pending) = entry.phase else { return [] }
        entry.phase = .ready(since: now)  // failures are forgotten once it has served a while (exited)
        entries[key] = entry
        return pending.map { .fork(key, $0) }
    }

    /// The template could not be started, exited, or was killed: what waited for it execs.
    public mutating func exited(_ key: TemplateKey, now: Instant) -> [TemplateAction] {
        guard var entry = entries[key] else { return [] }
        switch entry.phase {
        case .starting(_, let pending):
            entry.failures += 1
            entry.phase = .down(retryAt: now + Self.backoff(failures: entry.failures))
            entries[key] = entry
            return pending.map { .exec($0) }
        case .ready(let since):
            // Killed or crashed while serving: started again at once, unless it keeps dying soon
            // after it became ready (then the orders exec, and it is tried again after a backoff).
            entry.failures = now - since >= Self.settled ? 0 : entry.failures + 1
            guard entry.failures < Self.quickDeaths else {
                entry.phase = .down(retryAt: now + Self.backoff(failures: entry.failures))
                entries[key] = entry
                return []
            }
            entry.phase = .starting(since: now, pending: [])
            entries[key] = entry
            return [.start(key, entry.seed)]
        case .down:
            return []
        }
    }

    /// A fork request went unanswered or the template's answer made no sense: the order execs,
    /// and the template is stopped (its exit, reported later, changes nothing more).
    public mutating func forkFailed(_ key: TemplateKey, _ order: SpawnOrder, now: Instant) -> [TemplateAction] {
        guard var entry = entries[key] else { return [.exec(order)] }
        entry.failures += 1
        entry.phase = .down(retryAt: now + Self.backoff(failures: entry.failures))
        entries[key] = entry
        return [.stop(key), .exec(order)]
    }

    /// A template importing for longer than its pool's boot timeout is stopped; its orders exec.
    public mutating func startTimedOut(_ key: TemplateKey, now: Instant) -> [TemplateAction] {
        guard let entry = entries[key], case .starting(let since, _) = entry.phase,
            now - since >= entry.seed.configuration.bootTimeout
        else { return [] }
        return [.stop(key)] + exited(key, now: now)
    }

    /// What the core reported: a generation that is done has its template stopped.
    public mutating func noticed(_ notice: Notice, now: Instant) -> [TemplateAction] {
        switch notice {
        case .rolloutFinished(let pool, let generation, _):
            return retire { $0.pool == pool && $0.generation != generation }
        case .rolloutFailed(let pool, let generation, _):
            return retire { $0.pool == pool && $0.generation == generation }
        case .poolRemoved(let pool):
            return retire { $0.pool == pool }
        case .stopping:
            stopping = true
            return retire { _ in true }
        default:
            return []
        }
    }

    private mutating func retire(_ matching: (TemplateKey) -> Bool) -> [TemplateAction] {
        var actions: [TemplateAction] = []
        for key in entries.keys.sorted() where matching(key) {
            let entry = entries.removeValue(forKey: key)!
            retired.insert(key)
            switch entry.phase {
            case .starting(_, let pending): actions += [.stop(key)] + pending.map { .exec($0) }
            case .ready: actions.append(.stop(key))
            case .down: break
            }
        }
        return actions
    }

    /// Whether `key`'s template is wanted (starting or ready).
    public func isRunning(_ key: TemplateKey) -> Bool {
        switch entries[key]?.phase {
        case .starting, .ready: true
        case .down, nil: false
        }
    }

    /// The wait before the next start after `failures` failed ones: 0.5 s, doubling, at most 30 s.
    static func backoff(failures: Int) -> Duration {
        let seconds = 0.5 * Double(1 << min(max(failures - 1, 0), 10))
        return min(.milliseconds(Int64(seconds * 1000)), maximumBackoff)
    }
}
