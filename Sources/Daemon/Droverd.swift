//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import CDroverShim
@preconcurrency import Dispatch
import DroverShared
import Glibc
import NIOCore
import NIOPosix

/// `droverd`: binds the sockets, runs the worker pools, and supervises them.
@main
struct Droverd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "droverd",
        abstract: "Supervise a pool of web workers (Uvicorn by default) on shared sockets.",
        discussion: """
            Examples:
              droverd -w 2 -b 127.0.0.1:8000 main:app
              droverd -k command -b 127.0.0.1:8000 -- python3 server.py --fd {fd}

            Signals: TERM/INT graceful stop, QUIT quick stop, HUP reload (surge rollout),
            TTIN/TTOU one worker more/less, USR1 passed on to the workers.
            Exit status: 0 stopped, 1 could not run (e.g. bind failed), 2 bad configuration,
            3 a pool could not start.
            """,
        version: droverVersion
    )

    @OptionGroup var options: DaemonOptions

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                writeOut(fullMessage(for: error) + "\n")
                Glibc.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            writeError("droverd: \(message)\n")
            Glibc.exit(2)
        }
    }

    func run() throws {
        let environment = ProcessEnvironment.current()
        let configuration: Configuration
        do {
            configuration = try ConfigurationResolver.resolve(
                options,
                environment: Dictionary(environment, uniquingKeysWith: { _, last in last })
            )
        } catch {
            writeError("droverd: \(error)\n")
            throw ExitCode(2)
        }
        if let directory = configuration.directory, chdir(directory) != 0 {
            writeError("droverd: --chdir: \(directory): \(String(cString: strerror(errno)))\n")
            throw ExitCode(2)
        }
        let fileLimit = cdrover_raise_nofile()
        if getpid() != 1 { _ = cdrover_set_child_subreaper() }

        let notify: NotifyListener
        do {
            notify = try NotifyListener(address: "@drover/\(configuration.name)/\(getpid())/notify")
        } catch {
            writeError("droverd: \(error)\n")
            throw ExitCode(1)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let daemon = Daemon(
            loop: loop,
            options: options,
            environment: environment,
            configuration: configuration,
            notify: notify,
            fileLimit: UInt(fileLimit)
        )
        loop.execute { daemon.assumeIsolated { $0.start() } }
        let signals = SignalSource(queue: DispatchQueue(label: "drover.signals")) { signal in
            loop.execute { daemon.assumeIsolated { $0.signal(signal) } }
        }
        let code = try daemon.exitStatus.wait()
        withExtendedLifetime(signals) {}
        Glibc.exit(code)
    }
}

/// The version droverd and droverctl report.
let droverVersion = "0.1.0"

func writeError(_ text: String) {
    writeAll(2, text)
}

func writeOut(_ text: String) {
    writeAll(1, text)
}
