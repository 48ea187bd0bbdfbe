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

    /// Sends `request`; progress events go to stderr for people (as they came with `--json`, to
    /// stdout), in large writes; returns the final result, decoded as `Value`.
    func run<Value: Codable & Sendable>(_ request: ControlRequest, as type: Value.Type) throws -> Value {
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
            if let line = try? connection.readLine(),
                case .failure(let refusal)? = try? JSONValueDecoder().decode(ControlReply<JSONValue>.self, line: line)
            {
                throw Self.fail(refusal.description, status: Self.failed)
            }
            throw Self.fail(error.message, status: Self.failed)
        }
        var output = OutputBuffer(fd: options.json ? 1 : 2)
        defer { output.flush() }
        while true {
            let line: String?
            do {
                line = try connection.readLine { output.flush() }
            } catch {
                throw Self.fail(error.message, status: Self.failed)
            }
            guard let line else {
                output.flush()
                throw Self.fail("droverd closed the connection before answering", status: Self.failed)
            }
            if options.json { output.write(line + "\n") }
            let decoded: ReplyLine<Value>
            do {
                decoded = try JSONValueDecoder().decode(ReplyLine<Value>.self, line: line)
            } catch {
                // A progress line this version cannot read is shown as it came; an answer is an error.
                guard let value = try? JSONValue(parsing: line) else {
                    output.flush()
                    throw Self.fail("droverd sent a line that is not JSON: \(line)", status: Self.failed)
                }
                if ReplyLine<Value>.isReply(value) {
                    output.flush()
                    throw Self.fail(
                        "droverd's answer does not read as expected (\(error)): \(line)",
                        status: Self.failed
                    )
                }
                if !options.json { output.write(line + "\n") }
                continue
            }
            switch decoded {
            case .progress(let event):
                if !options.json { output.write(EventText.describe(event) + "\n") }
            case .reply(.success(let result)):
                return result
            case .reply(.failure(let error)):
                output.flush()
                throw Self.fail(error.description, status: Self.failed, printed: options.json)
            }
        }
    }

    /// Streams every line until droverd closes the connection (for `events`).
    func stream(_ request: ControlRequest, each: (String, ControlEvent?) -> Void) throws {
        var connection: ControlConnection
        do {
            connection = try ControlConnection(path: options.path)
            try connection.send(request.line)
        } catch {
            throw Self.fail(error.message, status: error.noDaemon ? Self.noDaemon : Self.failed)
        }
        defer { connection.close() }
        while let line = try? connection.readLine() {
            switch try? JSONValueDecoder().decode(ReplyLine<JSONValue>.self, line: line) {
            case .reply(.failure(let error)): throw Self.fail(error.description, status: Self.failed)
            case .progress(let event): each(line, event)
            default: each(line, nil)
            }
        }
    }

    /// A one-line error on stderr (unless already printed as JSON), then the exit status.
    static func fail(_ message: String, status: Int32, printed: Bool = false) -> ExitCode {
        if !printed { writeError("droverctl: \(message)\n") }
        return ExitCode(status)
    }
}

func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
}
