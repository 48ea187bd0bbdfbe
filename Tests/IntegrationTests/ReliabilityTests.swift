//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// Faults, misbehaving workers, bad input and load against a live droverd.
    /// Bounded here; `scripts/test-reliability --long` runs them longer.
    @Suite("Reliability")
    struct ReliabilityTests {
        @Test(
            "chaos: kill -9 a random worker every 200 ms under load; droverd stays up, every slot refills, nothing leaks"
        )
        func chaos() throws {
            let drover = try DroverProcess(["-w", "4", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForLog("All pools ready")
            let port = try drover.port()
            let fds = ProcessStats.fdCount(drover.pid)
            let rss = ProcessStats.anonymousRSS(drover.pid)
            let load = LoadGenerator(port: port, fresh: 2, keepAlive: 4, limit: 120)
            let seconds = 30 * reliabilityScale
            let start = Date()
            var kills = 0
            while Date().timeIntervalSince(start) < seconds {
                if let victim = drover.workers.randomElement() {
                    kill(victim, SIGKILL)
                    kills += 1
                }
                Thread.sleep(forTimeInterval: 0.2)
                #expect(drover.process.isRunning)
            }
            try load.stop()
            // Slots in backoff come back within its cap (30 s).
            try waitFor("every slot to refill", timeout: 45) {
                (try? drover.ctl("status", "--ready"))?.status == 0 ? true : nil
            }
            #expect(drover.workers.count == 4)
            try waitFor("no zombie children") { ProcessStats.zombies(of: drover.pid).isEmpty ? true : nil }
            // No growth. (Fewer is no leak: a retired worker's pipe may still be closing when `fds` is
            // read; and a just-reaped worker's pipe closes on the I/O queue, so wait for that to settle.)
            _ = try? waitFor("droverd's fds back to \(fds)", timeout: 10) {
                ProcessStats.fdCount(drover.pid) <= fds ? true : nil
            }
            #expect(ProcessStats.fdCount(drover.pid) <= fds)
            let growth = ProcessStats.anonymousRSS(drover.pid) - rss
            print(
                "chaos: \(kills) kills in \(Int(seconds)) s; \(load.succeeded) answers, \(load.failureList.count) failed (killed workers' connections); droverd anonymous RSS +\(growth / 1024) KiB, fds \(fds) → \(ProcessStats.fdCount(drover.pid))"
            )
            #expect(growth < 4 << 20)
            #expect(try httpGet(port: port).status == 200)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "crash loop: the backoff doubles, droverd idles meanwhile, status shows the error, a fixed app recovers on reload"
        )
        func crashLoop() throws {
            let directory = try AppDirectory("crashloop")
            try FileManager.default.copyItem(
                atPath: Paths.fixtures.appendingPathComponent("crash_after_ready.py").path,
                toPath: directory.path + "/main.py"
            )
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0"], in: directory.url)
            try drover.waitForLog("Control socket")
            let events = try Process.background(
                Paths.droverctl,
                ["--socket", drover.controlSocket, "--json", "events"]
            )
            defer { events.terminate() }
            func delays() -> [Double] { respawnDelays(events) }
            // The sixth delay is 3.2 s: long enough to watch droverd idle through it.
            let wanted = reliabilityScale > 1 ? 11 : 6
            try waitFor("\(wanted) growing respawn delays", timeout: 120 * reliabilityScale) {
                delays().count >= wanted ? true : nil
            }
            // While it waits out the backoff (just scheduled), droverd does nothing.
            let cpu = ProcessStats.cpuSeconds(drover.pid)
            let window = Date()
            Thread.sleep(forTimeInterval: 2)
            let busy = (ProcessStats.cpuSeconds(drover.pid) - cpu) / Date().timeIntervalSince(window)
            let observed = delays()
            print("crash loop: respawn delays \(observed) s; droverd CPU while waiting \(busy * 100) %")
            #expect(observed.prefix(6) == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2])
            if observed.count > 10 { #expect(observed[9] == 30 && observed[10] == 30) }
            #expect(busy < 0.01)
            try expectFirstSlotShows("CrashLoopError", exit: "exit 1", drover)
            try expectRecoveryOnReload(drover, directory)
        }

        @Test(
            "crash loop: an app that no longer imports is respawned with growing delays; status shows the ImportError; fixed and reloaded, it serves"
        )
        func importCrashLoop() throws {
            let directory = try AppDirectory("importloop")
            try directory.namedApp("main.py", name: "first")
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0"], in: directory.url)
            let worker = try drover.waitForReady(1)
            let events = try drover.subscribeToEvents()
            defer { events.terminate() }
            // Broken on disk (a bad deploy), then the worker dies: every respawn fails to import.
            try directory.write("main.py", "raise ImportError('broken on purpose')\n")
            kill(worker[0], SIGKILL)
            try waitFor("5 growing respawn delays", timeout: 120) { respawnDelays(events).count >= 5 ? true : nil }
            print("import crash loop: respawn delays \(respawnDelays(events)) s")
            #expect(respawnDelays(events).prefix(5) == [0.1, 0.2, 0.4, 0.8, 1.6])
            #expect(drover.process.isRunning)
            // The launcher exits 4 when the app does not import (Gunicorn's APP_LOAD_ERROR).
            try expectFirstSlotShows("broken on purpose", exit: "exit 4", drover)
            try expectRecoveryOnReload(drover, directory)
        }

        @Test("SIGSTOP then SIGCONT of droverd for 5 s: nothing lost, heartbeats not misread as timeouts")
        func stopContinue() throws {
            let drover = try DroverProcess(["-w", "2", "--timeout", "2", "-b", "127.0.0.1:0", "testapp:app"])
            let workers = try drover.waitForReady(2)
            drover.signal(SIGSTOP)
            let paused = Date()
            while Date().timeIntervalSince(paused) < 5 * reliabilityScale { Thread.sleep(forTimeInterval: 0.1) }
            drover.signal(SIGCONT)
            #expect(try drover.ctl("status", "--ready").status == 0)
            // Let a heartbeat deadline or two pass after the pause.
            let resumed = Date()
            while Date().timeIntervalSince(resumed) < 3 { Thread.sleep(forTimeInterval: 0.1) }
            #expect(drover.logCount("WORKER TIMEOUT") == 0)
            if drover.logCount("WORKER TIMEOUT") > 0 {  // what the killed worker was doing, for the next reader
                print(
                    drover.log.split(separator: "\n").filter { $0.contains("TIMEOUT") || $0.contains("File ") }.joined(
                        separator: "\n"
                    )
                )
            }
            #expect(Set(drover.workers) == Set(workers))
            #expect(try drover.stop() == 0)
        }

        @Test("signal storms: 1000 HUPs and 200 TTIN/TTOU converge to one consistent state")
        func signalStorm() throws {
            let drover = try DroverProcess([
                "-k", "command", "--no-wait-ready", "-w", "2", "-b", "127.0.0.1:0", "--", "/bin/sleep", "1000",
            ])
            try drover.waitForLog("All pools ready")
            for _ in 0..<1000 { drover.signal(SIGHUP) }
            for _ in 0..<200 {
                drover.signal(SIGTTIN)
                drover.signal(SIGTTOU)
            }
            // Standard signals coalesce, so how many TTIN and TTOU count is the kernel's call: the
            // pool lands between its floor (1) and 2 + 200.
            func settledPool() throws -> JSONValue {
                try waitFor("a settled pool", timeout: 30) { () -> JSONValue? in
                    guard let text = try? drover.ctl("--json", "status").output,
                        let reply = try? JSONValue(parsing: text.split(separator: "\n").last.map(String.init) ?? ""),
                        let pool = reply["result"]?["pools"]?.arrayValue?.first
                    else { return nil }
                    let settled =
                        pool["state"]?.stringValue == "running" && pool["rolling_out_to"] == .null
                        && pool["running"]?.intValue == pool["desired"]?.intValue
                    return settled && drover.logCount("Reloading") == drover.logCount("Reload finished") ? pool : nil
                }
            }
            let desired = try settledPool()["desired"]?.intValue ?? 0
            let reloads = drover.logCount("Reloading")
            print("signal storm: \(reloads) reloads for 1000 HUPs, \(desired) workers")
            // Coalesced: HUPs that arrive while a rollout runs make one more at most. How many run
            // depends on how fast the burst arrives (these workers are ready at once), so what is
            // checked is that rollouts never overlap and none is left behind.
            #expect(reloads >= 1 && reloads < 500)
            var running = false
            for line in drover.log.split(separator: "\n") {
                if line.contains("Reloading") {
                    #expect(!running, "a rollout started while another ran: \(line)")
                    running = true
                } else if line.contains("Reload finished") || line.contains("Reload failed") {
                    running = false
                }
            }
            #expect(!running)
            #expect(desired >= 1 && desired <= 202)
            #expect(drover.workers.count == desired)
            // And it still scales: one more TTIN, one more worker.
            drover.signal(SIGTTIN)
            try waitFor("one more worker") { drover.workers.count == desired + 1 ? true : nil }
            #expect(try drover.stop() == 0)
        }

        @Test("misbehaving workers: ignoring SIGTERM, closing their socket, 10 MB on stderr, forking children")
        func misbehavingWorkers() throws {
            func pool(_ mode: [String], _ extra: [String] = []) throws -> DroverProcess {
                try DroverProcess(
                    ["-k", "command", "-w", "1", "-b", "127.0.0.1:0"] + extra + ["--", Paths.python, "misbehaving.py"]
                        + mode
                )
            }
            // Ignores SIGTERM: killed at the graceful timeout, stop completes.
            let stubborn = try pool(["ignore-term"], ["--graceful-timeout", "1"])
            try stubborn.waitForLog("ignoring SIGTERM")
            #expect(try stubborn.stop(timeout: 10) == 0)
            #expect(stubborn.log.contains("did not exit in time; sending SIGKILL"))

            // Closes its socket: it never accepts, so it never counts as ready; it still stops cleanly.
            let closer = try pool(["close-socket"])
            try closer.waitForLog("closed my socket")
            #expect(try closer.ctl("status", "--ready").status == 1)
            #expect(try closer.stop() == 0)

            // 10 MB of stderr at once: forwarded in full, droverd answers meanwhile and stays small.
            let directory = try AppDirectory("flood")
            let flood = try pool(["flood", "10"], ["--error-logfile", directory.path + "/error.log"])
            try waitFor("droverd to answer during the flood") {
                (try? flood.ctl("version"))?.status == 0 ? true : nil
            }
            try waitFor("the flood to pass", timeout: 60) {
                ((try? String(contentsOfFile: directory.path + "/error.log", encoding: .utf8)) ?? "").contains(
                    "flood done"
                ) ? true : nil
            }
            let size =
                (try? FileManager.default.attributesOfItem(atPath: directory.path + "/error.log")[.size] as? Int) ?? 0
            #expect(size >= 10 << 20)
            #expect(ProcessStats.rss(flood.pid) < 64 << 20)
            // The worker serves once its flood is written: droverd sees it accepting within moments.
            try waitFor("the worker to be ready", timeout: 20) {
                try flood.ctl("status", "--ready").status == 0 ? true : nil
            }
            #expect(try flood.stop() == 0)

            // Forks children: they die with the worker.
            let parent = try pool(["fork", "3"])
            try parent.waitForLog("child ", count: 3)
            let children = parent.log.split(separator: "\n").filter { $0.hasPrefix("child ") }.compactMap {
                Int32($0.dropFirst(6))
            }
            #expect(children.count == 3)
            let worker = parent.workers.first { !children.contains($0) }!
            kill(worker, SIGKILL)
            try waitFor("the children to go with their worker") {
                children.allSatisfy { !processIsAlive($0) } ? true : nil
            }
            #expect(try parent.stop() == 0)
        }

        @Test(
            "a log reader that stops reading: droverd keeps answering while a worker floods stderr; read later, nothing is lost"
        )
        func stuckLogReader() throws {
            let stderr = Pipe()
            let drover = try DroverProcess(
                ["-k", "command", "-w", "1", "-b", "127.0.0.1:0", "--", Paths.python, "misbehaving.py", "flood", "10"],
                errorPipe: stderr
            )
            // The pipe holds 64 KiB and nobody reads it: the flood fills it at once.
            try waitFor("droverd to answer") { (try? drover.ctl("version", timeout: 5))?.status == 0 ? true : nil }
            let start = Date()
            for _ in 0..<20 {
                let status = try drover.ctl("status", timeout: 5)
                #expect(status.status == 0, "\(status.error)")
            }
            print(
                "stuck log reader: 20 status answers in \(Int(Date().timeIntervalSince(start) * 1000)) ms while stderr was not read"
            )
            // Now read it: the whole flood is there, then droverd's own lines go on.
            let reader = stderr.fileHandleForReading
            var received = 0
            var tail = Data()
            try waitFor("the flood through the pipe", timeout: 60, every: 0) { () -> Bool? in
                let data = reader.availableData
                received += data.count
                tail = (tail + data).suffix(4096)
                return String(decoding: tail, as: UTF8.self).contains("flood done") ? true : nil
            }
            #expect(received >= 10 << 20)
            // The worker serves once its flood is written: droverd sees it accepting within moments.
            try waitFor("the worker to be ready", timeout: 20) {
                try drover.ctl("status", "--ready").status == 0 ? true : nil
            }
            drover.signal(SIGTERM)
            // droverd's last lines still reach the pipe before it exits.
            let rest = reader.readDataToEndOfFile()
            #expect(String(decoding: rest, as: UTF8.self).contains("Stopped"))
            #expect(try drover.waitForExit() == 0)
        }

        @Test(
            "control socket abuse: random bytes, invalid UTF-8, NUL, 1 MiB lines, half-closed and 1000 concurrent connections"
        )
        func controlSocketAbuse() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(1)
            let port = try drover.port()
            var generator = SeededGenerator(seed: 42)
            var answered = 0
            for round in 0..<(50 * Int(reliabilityScale)) {
                let connection = try HTTPConnection(unixPath: drover.controlSocket, timeout: 10)
                var bytes = (0..<Int.random(in: 1...2000, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                bytes.removeAll { $0 == 10 }
                bytes.append(10)
                try connection.sendBytes(bytes)
                let reply = try JSONValue(parsing: try connection.readLine())
                #expect(reply["ok"]?.boolValue == false, "round \(round)")
                answered += 1
            }
            // A 1 MiB line: an error, then the connection is closed.
            let long = try HTTPConnection(unixPath: drover.controlSocket)
            try? long.sendBytes([UInt8](repeating: 65, count: 1 << 20) + [10])
            #expect(try JSONValue(parsing: try long.readLine())["error"]?["code"]?.stringValue == "line_too_long")
            // Half-closed: the request is still answered.
            let half = try HTTPConnection(unixPath: drover.controlSocket)
            try half.send("version\n")
            shutdown(half.fd, Int32(SHUT_WR))
            #expect(try JSONValue(parsing: try half.readLine())["ok"]?.boolValue == true)
            // 1000 at once: 128 are served, the rest told why; droverd keeps serving HTTP.
            var connections: [HTTPConnection] = []
            var refused = 0
            for _ in 0..<1000 {
                guard let connection = try? HTTPConnection(unixPath: drover.controlSocket, timeout: 10) else {
                    refused += 1
                    continue
                }
                connections.append(connection)
            }
            #expect(try httpGet(port: port).status == 200)
            connections.removeAll()
            print(
                "control abuse: \(answered) random lines answered with errors; 1000 connections (\(refused) refused by the kernel backlog)"
            )
            try waitFor("droverd to answer again") { (try? drover.ctl("status", "--ready"))?.status == 0 ? true : nil }
            #expect(drover.process.isRunning)
            #expect(try drover.stop() == 0)
        }

        @Test(
            "soak: wrk load, a reload every 30 s and a scale change every 20 s; no failed request, droverd's memory and fds flat"
        )
        func soak() throws {
            let wrk = try #require(executableInPath("wrk"), "wrk is not installed (scripts/bootstrap installs it)")
            let drover = try DroverProcess(["-w", "2", "-b", "127.0.0.1:0", "testapp:app"])
            try drover.waitForReady(2)
            let port = try drover.port()
            // A first reload and scale cycle warm up what droverd allocates once.
            #expect(try drover.ctl("scale", "web", "3").status == 0)
            #expect(try drover.ctl("reload").status == 0)
            #expect(try drover.ctl("scale", "web", "2").status == 0)
            try waitFor("the old workers to drain") { drover.workers.count == 2 ? true : nil }
            let fds = ProcessStats.fdCount(drover.pid)
            let rss = ProcessStats.anonymousRSS(drover.pid)
            let seconds = Int(60 * reliabilityScale)
            let keepAlive = try Process.background(
                wrk,
                ["-t1", "-c8", "-d\(seconds)s", "http://127.0.0.1:\(port)/pid"]
            )
            let fresh = LoadGenerator(port: port, fresh: 2, keepAlive: 0, limit: Double(seconds) + 60)
            let start = Date()
            var reloads = 0
            var scales = 0
            for tick in stride(from: 10, through: seconds, by: 10) {
                while Date().timeIntervalSince(start) < Double(tick) { Thread.sleep(forTimeInterval: 0.1) }
                if tick % 20 == 0 {
                    scales += 1
                    #expect(try drover.ctl("scale", "web", scales % 2 == 1 ? "3" : "2").status == 0)
                }
                if tick % 30 == 0 {
                    reloads += 1
                    let reload = try drover.ctl("reload")
                    #expect(reload.status == 0, "\(reload.error)")
                }
            }
            try fresh.stop()
            try waitFor("wrk to finish", timeout: 30) { keepAlive.process.isRunning ? nil : true }
            #expect(try drover.ctl("scale", "web", "2").status == 0)
            try waitFor("the old workers to drain") { drover.workers.count == 2 ? true : nil }
            let growth = ProcessStats.anonymousRSS(drover.pid) - rss
            let report = keepAlive.output.split(separator: "\n").filter {
                $0.contains("requests in") || $0.contains("Requests/sec") || $0.contains("errors")
                    || $0.contains("Non-2xx")
            }
            print(
                "soak: \(seconds) s, \(reloads) reloads, \(scales) scale changes; fresh connections: \(fresh.succeeded) answers, \(fresh.failureList.count) failed; wrk (8 keep-alive connections): \(report.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")); droverd anonymous RSS +\(growth / 1024) KiB, fds \(fds) → \(ProcessStats.fdCount(drover.pid))"
            )
            #expect(fresh.failureList == [])
            #expect(fresh.succeeded > 0)
            #expect(!keepAlive.output.contains("Non-2xx"))
            // No growth. (Fewer is no leak: a retired worker's pipe may still be closing when `fds` is
            // read; and a just-reaped worker's pipe closes on the I/O queue, so wait for that to settle.)
            _ = try? waitFor("droverd's fds back to \(fds)", timeout: 10) {
                ProcessStats.fdCount(drover.pid) <= fds ? true : nil
            }
            #expect(ProcessStats.fdCount(drover.pid) <= fds)
            #expect(growth <= 1 << 20)
            #expect(try drover.stop() == 0)
        }
    }
}

/// The `after_s` of every `respawn_scheduled` event a `droverctl --json events` has printed.
private func respawnDelays(_ events: BackgroundProcess) -> [Double] {
    events.output.split(separator: "\n").compactMap { line in
        guard line.contains("\"respawn_scheduled\"") else { return nil }
        return (try? JSONValue(parsing: String(line)))?["after_s"]?.doubleValue
    }
}

/// `status` shows the crash: the slot's last exit status and `text` in its stderr tail.
private func expectFirstSlotShows(_ text: String, exit: String, _ drover: DroverProcess) throws {
    let reply = try drover.ctl("--json", "status").output.split(separator: "\n").last.map(String.init) ?? ""
    let slot = try JSONValue(parsing: reply)["result"]?["pools"]?.arrayValue?.first?["workers"]?.arrayValue?.first
    #expect(slot?["last_exit"]?.stringValue == exit, "\(reply)")
    #expect(slot?["stderr_tail"]?.arrayValue?.contains { $0.stringValue?.contains(text) == true } == true, "\(reply)")
}

/// The app fixed and reloaded: serving again at once, not after the backoff.
private func expectRecoveryOnReload(_ drover: DroverProcess, _ directory: AppDirectory) throws {
    try directory.namedApp("main.py", name: "fixed")
    let reload = try drover.ctl("reload")
    #expect(reload.status == 0, "\(reload.error)")
    #expect(try httpGet(port: try drover.port()).body.hasPrefix("fixed "))
    #expect(try drover.stop() == 0)
}

/// A small deterministic generator (SplitMix64), so a failing fuzz round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
