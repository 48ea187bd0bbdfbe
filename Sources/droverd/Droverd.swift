//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverDaemon
import DroverShared
import Glibc

/// `droverd`: binds the sockets, runs the worker pools, and supervises them. Everything but the
/// command line's first answers lives in the `DroverDaemon` library.
@main
enum Droverd {
    static func main() {
        let options: DaemonOptions
        do {
            options = try DaemonOptions.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            writeError("droverd: \(error.message)\n")
            exit(DroverdExitStatus.configuration.rawValue)
        }
        if options.help {
            writeOut(HelpText.droverd)
            exit(DroverdExitStatus.stopped.rawValue)
        }
        if options.version {
            writeOut(droverVersion + "\n")
            exit(DroverdExitStatus.stopped.rawValue)
        }
        do {
            exit(try DaemonProcess(options: options).run())
        } catch let code as DroverdExit {
            exit(code.status)
        } catch {
            writeError("droverd: \(error)\n")
            exit(DroverdExitStatus.configuration.rawValue)
        }
    }
}
