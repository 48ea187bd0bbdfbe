//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus server (Debian's `prometheus`) started by a test on loopback, scraping the
/// given targets every second, with its storage in a temporary directory of its own.
final class PrometheusServer {
    static var isInstalled: Bool { executableInPath("prometheus") != nil && executableInPath("curl") != nil }

    let process = Process()
    let port: Int
    private let directory: URL
    private let logURL: URL

    init(scraping targets: [String], job: String = "drover") throws {
        directory = try Paths.temporaryDirectory("prometheus")
        logURL = directory.appendingPathComponent("prometheus.log")
        port = try freeLoopbackPort()
        let list = targets.map { "'\($0)'" }.joined(separator: ", ")
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: \(job)
            static_configs:
              - targets: [\(list)]
        """.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executableInPath("prometheus")!)
        process.arguments = [
            "--config.file=\(directory.path)/prometheus.yml",
            "--storage.tsdb.path=\(directory.path)/data",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=warn",
        ]
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try waitFor("Prometheus to be ready\n\(log)", timeout: 30) {
            guard process.isRunning else { throw Timeout(description: "prometheus exited:\n\(log)") }
            return (try? curl(["http://127.0.0.1:\(port)/-/ready"]).status) == 0 ? true : nil
        }
    }

    deinit { stop() }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// SIGTERM, SIGKILL if it is still there after 10 s; then its directory goes.
    func stop() {
        if process.isRunning {
            process.terminate()
            if (try? waitFor("prometheus to exit", timeout: 10, { process.isRunning ? nil : true })) == nil {
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// An instant query's samples: each series' labels and value (`/api/v1/query`).
    func query(_ expression: String) throws -> [(labels: [String: String], value: Double)] {
        let answer = try curl([
            "-G", "http://127.0.0.1:\(port)/api/v1/query", "--data-urlencode", "query=\(expression)",
        ])
        guard answer.status == 0 else { throw Timeout(description: "query \(expression) failed: \(answer.output)") }
        let json = try JSONValue(parsing: answer.output)
        guard json["status"]?.stringValue == "success", let results = json["data"]?["result"]?.arrayValue else {
            throw Timeout(description: "query \(expression): \(answer.output)")
        }
        return results.compactMap { result in
            guard case .object(let metric)? = result["metric"],
                let text = result["value"]?.arrayValue?.last?.stringValue, let value = Double(text)
            else { return nil }
            let labels = Dictionary(metric.compactMap { key, value in value.stringValue.map { (key, $0) } }) { $1 }
            return (labels, value)
        }
    }

    /// The query's samples added up (nil when it has none yet).
    func sum(_ expression: String) throws -> Double? {
        let samples = try query(expression)
        return samples.isEmpty ? nil : samples.reduce(0) { $0 + $1.value }
    }
}

/// Runs `curl -s --max-time 5 ARGUMENTS`: its exit status and stdout.
func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try run("/usr/bin/curl", ["-s", "--max-time", "5"] + arguments)
}

/// Runs a program to its end with `input` on stdin: its exit status and stdout and stderr together.
func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = output
    let inputPipe = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
    try process.run()
    if let input {
        inputPipe.fileHandleForWriting.write(Data(input.utf8))
        try inputPipe.fileHandleForWriting.close()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw HTTPError.connect(errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}
