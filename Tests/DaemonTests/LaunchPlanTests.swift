//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverCore
import DroverShared
import Testing

@testable import DroverDaemon

/// What a worker is started with: argv, environment and fd names from its spawn order alone.
@Suite struct LaunchPlanTests {
    private let budget = LauncherBudget(idleGrace: .milliseconds(500), graceful: .seconds(29))

    private func order(_ configuration: PoolConfiguration, slot: Int = 2, generation: Int = 3) -> SpawnOrder {
        SpawnOrder(
            worker: WorkerID(7),
            configuration: configuration,
            slot: slot,
            generation: generation,
            launcherBudget: budget
        )
    }

    private func value(_ plan: LaunchPlan, _ name: String) -> String? {
        plan.environment.last { $0.name == name }?.value
    }

    @Test func uvicornWorkerGetsTheLauncherWithItsBudgetAndAHeartbeatPage() {
        var options = UvicornOptions(app: "main:app", maxRequests: 1000, maxRequestsJitter: 50)
        options.factory = true
        let pool = PoolConfiguration(
            name: "web",
            kind: .uvicorn(options),
            workers: 2,
            binds: [BindAddress(.tcp(host: "0.0.0.0", port: 80)), BindAddress(.unix(path: "/run/web.sock"))],
            heartbeatTimeout: .seconds(30)
        )
        let plan = LaunchPlan(
            order: order(pool),
            baseEnvironment: [("PATH", "/usr/bin"), ("HOME", "/root")],
            notifyAddress: "@drover/web/1/notify",
            sockets: 2,
            maxRequestsJitter: 17
        )
        #expect(plan.program == "drover-worker")
        #expect(
            plan.arguments == [
                "drover-worker", "--log-level", "info", "--log-format", "text", "--access-logfile", "-",
                "--keep-alive", "5", "--idle-grace", "0.5", "--graceful-timeout", "29",
                "--limit-max-requests", "1017", "--factory", "main:app",
            ]
        )
        #expect(plan.heartbeatPage)
        #expect(plan.fdNames == ["bind0", "bind1"])
        #expect(value(plan, "LISTEN_FDS") == "2")
        #expect(value(plan, "LISTEN_FDNAMES") == "bind0:bind1")
        #expect(value(plan, "DROVER_HEARTBEAT_FD") == "5")  // after fds 3 and 4
        #expect(value(plan, "WATCHDOG_USEC") == nil)  // the page is the heartbeat
        #expect(value(plan, "DROVER_POOL") == "web")
        #expect(value(plan, "DROVER_WORKER_INDEX") == "2")
        #expect(value(plan, "DROVER_GENERATION") == "3")
        #expect(value(plan, "NOTIFY_SOCKET") == "@drover/web/1/notify")
        #expect(plan.pidVariables == ["LISTEN_PID"])
        #expect(plan.environmentEntries.last == "LISTEN_PID=")
        #expect(plan.pidVariableIndices == [plan.environmentEntries.count - 1])
    }

    @Test func commandWorkerGetsItsTemplateExpandedAProbeSocketAndWatchdogPings() {
        let pool = PoolConfiguration(
            name: "api",
            kind: .command(arguments: ["hypercorn", "--bind", "fd://{fd}", "--bind", "fd://{fd:probe}", "app:app"]),
            workers: 1,
            binds: [BindAddress(.tcp(host: "127.0.0.1", port: 8000))],
            environment: [EnvironmentVariable("HOME", "/srv"), EnvironmentVariable("MODE", "prod")],
            readyProbe: "/health",
            heartbeatTimeout: .seconds(10)
        )
        let plan = LaunchPlan(
            order: order(pool),
            baseEnvironment: [("HOME", "/root"), ("PATH", "/usr/bin")],
            notifyAddress: "@n",
            sockets: 1
        )
        #expect(plan.program == "hypercorn")
        #expect(plan.arguments == ["hypercorn", "--bind", "fd://3", "--bind", "fd://4", "app:app"])
        #expect(!plan.heartbeatPage)
        #expect(plan.fdNames == ["bind0", "probe"])
        #expect(value(plan, "LISTEN_FDS") == "2")  // the bind and the probe socket
        #expect(value(plan, "WATCHDOG_USEC") == "10000000")
        #expect(plan.pidVariables == ["LISTEN_PID", "WATCHDOG_PID"])
        // The pool's env wins over droverd's, and is not written twice.
        #expect(plan.environment.filter { $0.name == "HOME" }.map(\.value) == ["/srv"])
        #expect(plan.environment.prefix(3).map(\.name) == ["PATH", "HOME", "MODE"])
    }

    @Test func namedBindsKeepTheirNames() {
        var bind = BindAddress(.tcp(host: "127.0.0.1", port: 8000))
        bind.name = "public"
        let pool = PoolConfiguration(
            name: "jobs",
            kind: .command(arguments: ["/bin/sleep", "100"]),
            workers: 1,
            binds: [bind],
            heartbeatTimeout: nil
        )
        let plan = LaunchPlan(order: order(pool), baseEnvironment: [], notifyAddress: "@n", sockets: 1)
        #expect(plan.fdNames == ["public"])
        #expect(value(plan, "WATCHDOG_USEC") == nil)
        #expect(plan.pidVariables == ["LISTEN_PID"])
    }

    @Test(
        "droverd's multiprocess directory is exported as PROMETHEUS_MULTIPROC_DIR, to the template too, over an empty one"
    )
    func metricsDirectory() {
        let pool = PoolConfiguration(
            name: "web",
            kind: .uvicorn(UvicornOptions(app: "main:app")),
            workers: 1,
            binds: [BindAddress(.tcp(host: "127.0.0.1", port: 8000))]
        )
        let plan = LaunchPlan(
            order: order(pool),
            baseEnvironment: [("PROMETHEUS_MULTIPROC_DIR", ""), ("PATH", "/usr/bin")],
            notifyAddress: "@n",
            sockets: 1,
            metricsDirectory: "/run/drover/drover-metrics-1/web"
        )
        #expect(
            plan.environment.filter { $0.name == "PROMETHEUS_MULTIPROC_DIR" }.map(\.value) == [
                "/run/drover/drover-metrics-1/web"
            ]
        )
        #expect(
            plan.templateEnvironmentEntries(sockets: 1).contains(
                "PROMETHEUS_MULTIPROC_DIR=/run/drover/drover-metrics-1/web"
            )
        )
        let without = LaunchPlan(order: order(pool), baseEnvironment: [], notifyAddress: "@n", sockets: 1)
        #expect(value(without, "PROMETHEUS_MULTIPROC_DIR") == nil)
    }
}
