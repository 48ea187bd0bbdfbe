//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The real `prometheus_client` (the checkout's `.venv`), run by the tests: it writes multiprocess
/// files as processes of given pids, and merges and exposes a directory's files as its own
/// `MultiProcessCollector` and `generate_latest` do — the reference droverd's reader must match.
enum PrometheusClient {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The checkout's Python (with `prometheus_client` installed), else `python3` on PATH.
    static var python: String {
        let venv = root.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    /// What every script starts with: the library, and `write(pid, scale)`, which writes what a
    /// process `pid` of an app with every metric type and gauge mode would.
    static let prelude = #"""
        import glob, os, sys, time
        directory = sys.argv[1]
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, generate_latest, values
        from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

        MODES = ["all", "liveall", "min", "livemin", "max", "livemax", "sum", "livesum", "mostrecent", "livemostrecent"]

        def write(pid, scale):
            values.ValueClass = values.MultiProcessValue(lambda: pid)
            requests = Counter("app_requests", "Requests served", ["path"], registry=None)
            requests.labels("/a").inc(scale)
            requests.labels('/b"\\\n').inc(2 * scale)
            latency = Histogram("app_latency_seconds", "Latency", ["path"], buckets=[0.1, 1, 2.5, 1e6], registry=None)
            latency.labels("/a").observe(0.05 * scale)
            latency.labels("/a").observe(2.0)
            latency.labels("/c").observe(3e6)
            Summary("app_payload_bytes", "Payload\nsize", registry=None).observe(100.5 * scale)
            for mode in MODES:
                gauge = Gauge("app_gauge_" + mode, "A gauge, " + mode, ["kind"], multiprocess_mode=mode, registry=None)
                gauge.labels("x").set(pid * 10 + scale)
            Gauge("app_never_set", "Never set", multiprocess_mode="mostrecent", registry=None)

        class Files:
            def __init__(self, files):
                self.files = files
            def collect(self):
                return MultiProcessCollector.merge(self.files, accumulate=True)

        def exposition():
            registry = CollectorRegistry()
            registry.register(Files(sorted(glob.glob(os.path.join(directory, "*.db")))))
            return generate_latest(registry).decode()

        def openmetrics_exposition():
            from prometheus_client.openmetrics import exposition as openmetrics
            registry = CollectorRegistry()
            registry.register(Files(sorted(glob.glob(os.path.join(directory, "*.db")))))
            return openmetrics.generate_latest(registry).decode()
        """#

    /// Runs `script` after the prelude with `directory` as its first argument; its standard output.
    @discardableResult
    static func run(_ script: String, in directory: String, arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", prelude + "\n" + script, directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError  // a traceback shows in the test's output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python exited \(process.terminationStatus) (its stderr is above)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The families `prometheus_client.openmetrics.parser` reads in `text` (name: type); it
    /// throws, with the parser's complaint, if the text is not valid OpenMetrics.
    static func parseOpenMetrics(_ text: String) throws -> [String: String] {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/exposition.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try run(
            """
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[2]).read()):
                print(family.name, family.type)
            """,
            in: directory,
            arguments: [file]
        )
        var families: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 { families[String(fields[0])] = String(fields[1]) }
        }
        return families
    }

    /// A new empty directory.
    static func directory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("multiproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// The names in a directory, sorted.
    static func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
