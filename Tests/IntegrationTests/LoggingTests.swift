//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    /// Log files and formats, TLS and max-requests, through real droverd and workers.
    @Suite("Logs, TLS and recycling")
    struct LoggingTests {
        @Test("ACCESS_LOG and ERROR_LOG files: lines land there; USR1 reopens them after a rename")
        func logFiles() throws {
            let directory = try AppDirectory("logs")
            try directory.namedApp("main.py", name: "app")
            let access = directory.path + "/access.log"
            let error = directory.path + "/error.log"
            let drover = try DroverProcess(
                ["-b", "127.0.0.1:0"],
                in: directory.url,
                environment: ["ACCESS_LOG": access, "ERROR_LOG": error, "WEB_CONCURRENCY": "1"]
            )
            func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
            try waitFor("droverd's log in the error log") { contents(error).contains("All pools ready") ? true : nil }
            let port = Int(contents(error).components(separatedBy: "127.0.0.1:")[1].split(separator: " ")[0])!
            #expect(try httpGet(port: port, "/first").status == 200)
            try waitFor("the access line") { contents(access).contains("\"GET /first HTTP/1.1\" 200") ? true : nil }
            // Worker stderr (Uvicorn's error log) goes to the error log too.
            #expect(contents(error).contains("Application startup complete."))
            #expect(!drover.log.contains("All pools ready"))
            #expect(!drover.output.contains("GET /first"))

            try FileManager.default.moveItem(atPath: access, toPath: access + ".1")
            try FileManager.default.moveItem(atPath: error, toPath: error + ".1")
            drover.signal(SIGUSR1)
            try waitFor("the reopened error log") {
                contents(error).contains("Log files reopened") ? true : nil
            }
            try waitFor("the worker to reopen its access log") {
                _ = try? httpGet(port: port, "/second")
                return contents(access).contains("GET /second") ? true : nil
            }
            #expect(!contents(access + ".1").contains("/second"))
            #expect(try drover.stop() == 0)
            #expect(contents(error).contains("Stopped"))
        }

        @Test("ACCESS_LOG='' and ERROR_LOG='': no access lines; only warnings and worse")
        func disabledLogs() throws {
            let directory = try AppDirectory("quiet")
            try directory.namedApp("main.py", name: "app")
            let socket = directory.path + "/app.sock"
            let drover = try DroverProcess(
                ["-b", "unix:\(socket)"],
                in: directory.url,
                environment: ["ACCESS_LOG": "", "ERROR_LOG": "", "WEB_CONCURRENCY": "1"]
            )
            // Nothing at INFO is logged: wait for the worker by asking it.
            let response = try waitFor("the worker to answer") { try? HTTPConnection(unixPath: socket).get("/") }
            #expect(response.status == 200)
            #expect(try drover.stop() == 0)
            #expect(!drover.log.contains("[INFO]"))
            #expect(!drover.log.contains("Application startup complete."))
            #expect(!drover.output.contains("GET /"))
        }

        @Test("an app that does not import: one traceback for 3 workers, exit 4 at once, the reason last")
        func importErrorOnce() throws {
            let directory = try AppDirectory("import-error")
            try directory.write("main.py", "import drover_no_such_module\napp = None\n")
            let drover = try DroverProcess(["-w", "3", "-b", "127.0.0.1:0", "main:app"], in: directory.url)
            #expect(try drover.waitForExit() == 4)  // Gunicorn's "App failed to load."
            let log = drover.log
            #expect(log.components(separatedBy: "Traceback (most recent call last):").count == 2, "\(log)")
            #expect(log.components(separatedBy: "ModuleNotFoundError").count - 1 <= 1 + 2 + 1, "\(log)")
            #expect(!log.contains("drover_worker/"), "the launcher's own frames are left out: \(log)")
            #expect(drover.logCount("Booting worker") == 3, "no second attempt: \(log)")
            let last = log.split(separator: "\n").last.map(String.init) ?? ""
            #expect(
                last.hasSuffix(
                    "Pool web failed to start: the app main:app failed to load: "
                        + "ModuleNotFoundError: No module named 'drover_no_such_module'"
                ),
                "\(log)"
            )
        }

        @Test("--log-format json: droverd's lines and the workers' are JSON objects")
        func jsonLogs() throws {
            let drover = try DroverProcess(["-w", "1", "-b", "127.0.0.1:0", "--log-format", "json", "testapp:app"])
            try drover.waitForLog("\"message\":\"All pools ready\"")
            let line = try drover.waitForLog("\"message\":\"Listening at: http://127.0.0.1:")
            let port = Int(line.components(separatedBy: "127.0.0.1:")[1].split(separator: " ")[0])!
            #expect(try httpGet(port: port, "/pid").status == 200)
            try waitFor("a JSON access line") {
                drover.output.contains("\"path\":") || drover.output.contains("\"path\": ") ? true : nil
            }
            #expect(try drover.stop() == 0)
            for text in drover.log.split(separator: "\n")
                + drover.output.split(separator: "\n").filter({ $0.hasPrefix("{\"") && !$0.hasPrefix("{\"loglevel\"") })
            {
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(object?["level"] != nil, "\(text)")
                #expect(object?["time"] != nil, "\(text)")
            }
            let access = drover.output.split(separator: "\n").first { $0.contains("\"method\"") }!
            let record = try JSONSerialization.jsonObject(with: Data(access.utf8)) as! [String: Any]
            #expect(record["status"] as? Int == 200)
            #expect(record["method"] as? String == "GET")
        }

        @Test("--certfile and --keyfile: the workers serve HTTPS")
        func tls() throws {
            let directory = try AppDirectory("tls")
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                "-keyout", directory.path + "/key.pem", "-out", directory.path + "/cert.pem",
            ]
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            try #require(openssl.terminationStatus == 0)
            let drover = try DroverProcess([
                "-w", "1", "-b", "127.0.0.1:0", "--certfile", directory.path + "/cert.pem",
                "--keyfile", directory.path + "/key.pem", "testapp:app",
            ])
            try drover.waitForReady(1)
            let curl = Process()
            let output = Pipe()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-sk", "--max-time", "10", "https://127.0.0.1:\(try drover.port())/"]
            curl.standardOutput = output
            try curl.run()
            curl.waitUntilExit()
            let body = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(body == #"{"message":"Hello World!"}"#)
            #expect(try drover.stop() == 0)
            let missing = try DroverProcess([
                "--certfile", "/nonexistent.pem", "--keyfile", "/nonexistent.key", "-b", "127.0.0.1:0", "testapp:app",
            ])
            #expect(try missing.waitForExit() == 2)
            #expect(missing.log.contains("TLS file /nonexistent.pem: No such file or directory"))
        }

        @Test("--max-requests: a worker retires after its requests, its replacement starts first, nothing fails")
        func maxRequests() throws {
            let drover = try DroverProcess(["-w", "1", "--max-requests", "5", "-b", "127.0.0.1:0", "testapp:app"])
            let first = try drover.waitForReady(1)[0]
            let port = try drover.port()
            var pids: Set<String> = []
            var answered = 0
            // Uvicorn checks its request limit on its 0.1 s tick: keep asking until two recyclings happened.
            try waitFor("three generations of workers (seen \(pids))", every: 0.02) {
                let response = try httpGet(port: port, "/pid")
                #expect(response.status == 200)
                answered += 1
                pids.insert(String(response.body.split(separator: " ")[0]))
                return pids.count >= 3 ? true : nil
            }
            #expect(answered >= 10)
            try drover.waitForLog("pid \(first) exited: exit 0")
            #expect(drover.logCount("exited unexpectedly") == 0)
            #expect(try drover.stop() == 0)
        }
    }
}
