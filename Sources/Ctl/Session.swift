//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import DroverShared
import Glibc

/// One request to droverd and its answer, printed for people or, with `--json`, as is.
struct Session {
    let options: GlobalOptions

    /// Exit statuses: 0 success, 1 refused or failed, 2 usage, 3 no droverd at the socket.
    static let failed: Int32 = 1
    static let noDaemon: Int32 = 3

    /// Sends `request`; progress events go to `progress` (stderr for people); returns the final result.
    func run(_ request: ControlRequest, progress: (JSONValue) -> Void = Self.describeProgress) throws -> JSONValue {
        var connection: ControlConnection
        do {
            connection = try ControlConnection(path: options.path)
        } catch {
            throw Self.fail(error.message, status: error.noDaemon ? Self.noDaemon : Self.failed)
        }
        defer { connection.close() }
        do {
            try connection.send(request.line)
        } catch {
            // droverd may have refused the connection (and said why) before reading the request.
            if let line = try? connection.readLine(), let reply = try? JSONValue(parsing: line),
                reply["ok"]?.boolValue == false
            {
                throw Self.fail(
                    "\(reply["error"]?["code"]?.stringValue ?? "error"): \(reply["error"]?["message"]?.stringValue ?? line)",
                    status: Self.failed
                )
            }
            throw Self.fail(error.message, status: Self.failed)
        }
        while true {
            let line: String?
            do {
                line = try connection.readLine()
            } catch {
                throw Self.fail(error.message, status: Self.failed)
            }
            guard let line else {
                throw Self.fail("droverd closed the connection before answering", status: Self.failed)
            }
            guard let reply = try? JSONValue(parsing: line) else {
                throw Self.fail("droverd sent a line that is not JSON: \(line)", status: Self.failed)
            }
            if reply["ok"] == nil {
                if options.json { print(line) } else { progress(reply) }
                continue
            }
            if options.json { print(line) }
            guard reply["ok"]?.boolValue == true else {
                let error = reply["error"]
                let code = error?["code"]?.stringValue ?? "error"
                let message = error?["message"]?.stringValue ?? line
                throw Self.fail("\(code): \(message)", status: Self.failed, printed: options.json)
            }
            return reply["result"] ?? .null
        }
    }

    /// Streams every line until droverd closes the connection (for `events`).
    func stream(_ request: ControlRequest, each: (String, JSONValue?) -> Void) throws {
        var connection: ControlConnection
        do {
            connection = try ControlConnection(path: options.path)
            try connection.send(request.line)
        } catch {
            throw Self.fail(error.message, status: error.noDaemon ? Self.noDaemon : Self.failed)
        }
        defer { connection.close() }
        while let line = try? connection.readLine() {
            let reply = try? JSONValue(parsing: line)
            if let reply, reply["ok"]?.boolValue == false {
                throw Self.fail(
                    "\(reply["error"]?["code"]?.stringValue ?? "error"): \(reply["error"]?["message"]?.stringValue ?? line)",
                    status: Self.failed
                )
            }
            each(line, reply)
        }
    }

    /// A one-line error on stderr (unless already printed as JSON), then the exit status.
    static func fail(_ message: String, status: Int32, printed: Bool = false) -> ExitCode {
        if !printed { writeError("droverctl: \(message)\n") }
        return ExitCode(status)
    }

    static func describeProgress(_ event: JSONValue) {
        writeError(EventText.describe(event) + "\n")
    }
}

func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}
