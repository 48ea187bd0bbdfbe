//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Testing

@testable import DroverCore

@Suite("TemplateTable: which order forks, which waits, which execs; when a template starts and stops")
struct TemplateTableTests {
    private let start = Instant(nanoseconds: 1_000_000_000)

    private func order(_ worker: UInt64, generation: Int = 1, pool: String = "web") -> SpawnOrder {
        var configuration = uvicornPool(pool)
        if case .uvicorn(var options) = configuration.kind {
            options.spawn = .fork
            configuration.kind = .uvicorn(options)
        }
        return SpawnOrder(
            worker: WorkerID(worker),
            configuration: configuration,
            slot: Int(worker),
            generation: generation,
            launcherBudget: LauncherBudget(idleGrace: .seconds(1), graceful: .seconds(29))
        )
    }

    private let web1 = TemplateKey(pool: "web", generation: 1)

    @Test("only uvicorn pools in fork mode fork")
    func forks() {
        #expect(TemplateTable.forks(order(1)))
        #expect(!TemplateTable.forks(SpawnOrder(order(1), kind: .uvicorn(UvicornOptions(app: "main:app")))))
        #expect(!TemplateTable.forks(SpawnOrder(order(1), kind: .command(arguments: ["/bin/sleep", "1"]))))
    }

    @Test("the first order starts the template, orders wait for it, and it forks them all once ready")
    func startThenFork() {
        var table = TemplateTable()
        #expect(table.order(order(1), now: start) == [.start(web1, order(1))])
        #expect(table.order(order(2), now: start).isEmpty)
        #expect(table.isRunning(web1))
        #expect(table.ready(web1, now: start + .seconds(1)) == [.fork(web1, order(1)), .fork(web1, order(2))])
        #expect(table.order(order(3), now: start + .seconds(2)) == [.fork(web1, order(3))])
        #expect(table.ready(web1, now: start + .seconds(3)).isEmpty)  // said twice: nothing more
    }

    @Test("a template that fails to start hands its orders to exec, and is tried again only after a backoff")
    func failedStart() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        _ = table.order(order(2), now: start)
        #expect(table.exited(web1, now: start + .seconds(1)) == [.exec(order(1)), .exec(order(2))])
        #expect(!table.isRunning(web1))
        #expect(table.order(order(3), now: start + .milliseconds(1400)) == [.exec(order(3))])
        #expect(table.order(order(4), now: start + .milliseconds(1500)) == [.start(web1, order(4))])
        #expect(table.exited(web1, now: start + .seconds(2)) == [.exec(order(4))])
        // Twice failed: 1 s before the next try.
        #expect(table.order(order(5), now: start + .milliseconds(2900)) == [.exec(order(5))])
        #expect(table.order(order(6), now: start + .seconds(3)) == [.start(web1, order(6))])
        #expect(TemplateTable.backoff(failures: 20) == .seconds(30))
    }

    @Test("a template that served a while and dies is started again at once; its workers are not touched")
    func restartAfterServing() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        _ = table.ready(web1, now: start + .seconds(1))
        #expect(table.exited(web1, now: start + .seconds(5)) == [.start(web1, order(1))])
        // While it imports again, a respawn waits for it (the slot is not left empty: it exits or becomes ready).
        #expect(table.order(order(2), now: start + .seconds(5)).isEmpty)
        #expect(table.exited(web1, now: start + .seconds(6)) == [.exec(order(2))])
    }

    @Test("one that keeps dying right after it became ready is left down after three times")
    func quickDeaths() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        var now = start
        for _ in 0..<2 {
            now = now + .milliseconds(100)
            _ = table.ready(web1, now: now)
            now = now + .milliseconds(500)
            #expect(table.exited(web1, now: now) == [.start(web1, order(1))])
        }
        _ = table.ready(web1, now: now)
        #expect(table.exited(web1, now: now + .milliseconds(500)).isEmpty)
        #expect(table.order(order(2), now: now + .milliseconds(600)) == [.exec(order(2))])
        #expect(!table.isRunning(web1))
    }

    @Test("a fork that fails stops the template and execs the order")
    func forkFailure() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        _ = table.ready(web1, now: start)
        #expect(table.forkFailed(web1, order(2), now: start) == [.stop(web1), .exec(order(2))])
        #expect(table.exited(web1, now: start + .milliseconds(10)).isEmpty)  // its reaping changes nothing
        #expect(table.order(order(3), now: start + .milliseconds(100)) == [.exec(order(3))])
    }

    @Test("a template importing past its pool's boot timeout is stopped; its orders exec")
    func startTimeout() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        #expect(table.startTimedOut(web1, now: start + .seconds(9)).isEmpty)
        #expect(table.startTimedOut(web1, now: start + .seconds(10)) == [.stop(web1), .exec(order(1))])
    }

    @Test("a rollout's end retires the other generation; a failed one retires its own; stopping retires all")
    func retirement() {
        var table = TemplateTable()
        _ = table.order(order(1), now: start)
        _ = table.ready(web1, now: start)
        let web2 = TemplateKey(pool: "web", generation: 2)
        #expect(table.order(order(2, generation: 2), now: start) == [.start(web2, order(2, generation: 2))])
        _ = table.ready(web2, now: start)
        let finished = Notice.rolloutFinished(pool: "web", generation: 2, duration: .seconds(1))
        #expect(table.noticed(finished, now: start) == [.stop(web1)])
        #expect(table.order(order(3, generation: 1), now: start) == [.exec(order(3, generation: 1))])

        let failed = Notice.rolloutFailed(pool: "web", generation: 3, reason: "boot timeout")
        _ = table.order(order(4, generation: 3), now: start)
        #expect(
            table.noticed(failed, now: start)
                == [.stop(TemplateKey(pool: "web", generation: 3)), .exec(order(4, generation: 3))]
        )
        #expect(table.isRunning(web2))
        _ = table.order(order(5, pool: "api"), now: start)
        #expect(
            table.noticed(.poolRemoved(pool: "api"), now: start) == [
                .stop(TemplateKey(pool: "api", generation: 1)), .exec(order(5, pool: "api")),
            ]
        )
        #expect(table.noticed(.stopping(.graceful), now: start) == [.stop(web2)])
        #expect(table.order(order(6, generation: 2), now: start) == [.exec(order(6, generation: 2))])
    }
}

extension SpawnOrder {
    /// `order` with another kind of worker.
    fileprivate init(_ order: SpawnOrder, kind: WorkerKind) {
        self = order
        configuration.kind = kind
    }
}
