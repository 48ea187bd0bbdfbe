//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CDroverShim
import Glibc

/// droverd's short-lived or helper children that are not workers (the prestart shell, the
/// reader of a Gunicorn configuration file, the hook runner): one extra descriptor at fd 3,
/// droverd's stdin, stdout and stderr, killed if droverd dies.
enum HelperProcess {
    /// Starts `argv[0]` (an absolute path) in `directory` (nil: droverd's); returns its pid, or -errno.
    /// With `ownGroup`, it gets a process group of its own, so a terminal's Ctrl-C (sent to the
    /// foreground group) reaches droverd alone, which decides when the helper ends.
    static func spawn(
        argv: [String],
        environment: [String],
        extraFD: Int32,
        directory: String? = nil,
        ownGroup: Bool = false,
        standardOutput: Int32 = 1
    ) -> pid_t {
        let argvPointers = argv.map { strdup($0) } + [nil]
        let envPointers = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argvPointers { free(pointer) }
            for pointer in envPointers { free(pointer) }
        }
        let fds = [extraFD]
        return argvPointers.withUnsafeBufferPointer { argvBuffer in
            envPointers.withUnsafeBufferPointer { envBuffer in
                fds.withUnsafeBufferPointer { fdBuffer in
                    withOptionalPointer(directory) { cwd in
                        var options = cdrover_spawn_options()
                        options.path = UnsafePointer(argvBuffer[0]!)
                        options.argv = argvBuffer.baseAddress
                        options.envp = envBuffer.baseAddress
                        options.fds = fdBuffer.baseAddress
                        options.nfds = 1
                        options.stdin_fd = 0
                        options.stdout_fd = standardOutput
                        options.stderr_fd = 2
                        options.cwd = cwd
                        options.new_process_group = ownGroup ? 1 : 0
                        options.pdeathsig = SIGKILL
                        return cdrover_spawn(&options)
                    }
                }
            }
        }
    }

    private static func withOptionalPointer<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }
}
