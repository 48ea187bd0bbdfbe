//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Glibc

/// Reads a Gunicorn configuration file with the workers' Python: `drover-worker --read-config
/// FILE --result-fd 3` executes it as Gunicorn does (what it prints reaches droverd's stdout, as
/// in the seed image, or `standardOutput`) and writes its settings as JSON on fd 3. A file that hangs is killed
/// after ``timeLimit``.
enum PythonConfigurationReader {
    /// How long the file may take to run.
    static let timeLimit: Duration = .seconds(30)

    static func read(
        path: String,
        launcher: String,
        environment: [(String, String)],
        standardOutput: Int32 = 1
    ) throws(ConfigurationError) -> PythonConfigurationFile {
        let program: String
        do {
            program = try ProgramLocator.find(launcher, path: environment.last { $0.0 == "PATH" }?.1)
        } catch {
            throw ConfigurationError(
                "\(path): reading a Gunicorn configuration file takes the launcher: \(error.description)"
            )
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ConfigurationError("\(path): pipe: \(errnoText())") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let pid = HelperProcess.spawn(
            argv: [program, "--read-config", path, "--result-fd", "3"],
            environment: environment.map { "\($0)=\($1)" },
            extraFD: ends[1],
            standardOutput: standardOutput
        )
        close(ends[1])
        defer { close(ends[0]) }
        guard pid > 0 else { throw ConfigurationError("\(path): cannot run \(program): \(errnoText(-pid))") }
        let output = readUntilEnd(ends[0], deadline: .now + timeLimit)
        if output == nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard let output else {
            throw ConfigurationError("\(path): still running after \(timeLimit.components.seconds) s; killed")
        }
        let text = String(decoding: output, as: UTF8.self)
        if text.isEmpty {
            throw ConfigurationError(
                "\(path): \(program) --read-config gave no answer (\(ExitStatus(waitStatus: status)))"
            )
        }
        return try PythonConfigurationFile(path: path, result: text)
    }

    /// Everything until end of file, or nil if the deadline passes first.
    private static func readUntilEnd(_ fd: Int32, deadline: ContinuousClock.Instant) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return nil }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + 1, 60_000))
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return output
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                return output
            }
        }
    }
}
