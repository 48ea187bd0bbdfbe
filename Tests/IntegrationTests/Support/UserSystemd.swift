//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real systemd service manager (`systemd --user`) run privately for a test: in a mount
/// namespace of its own with a tmpfs on /run/systemd (so it believes it runs a booted system),
/// with its runtime and configuration directories under .build/ (outside /tmp, which the
/// units' PrivateTmp= hides). Units are installed in `$XDG_RUNTIME_DIR/systemd/user`.
final class UserSystemd {
    let base: URL
    let runtime: URL
    private let manager: BackgroundProcess
    private(set) var managerPID: Int32 = 0

    /// Whether a private user manager can run here (root, unshare, systemd); probed once.
    static let available: Bool = {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd") else { return false }
        return (try? UserSystemd()) != nil
    }()

    init() throws {
        base = Paths.root.appendingPathComponent(".build/systemd-\(UUID().uuidString.prefix(8))")
        runtime = base.appendingPathComponent("run")
        try FileManager.default.createDirectory(
            at: runtime.appendingPathComponent("systemd/user"),
            withIntermediateDirectories: true
        )
        chmod(runtime.path, 0o700)
        try FileManager.default.createDirectory(
            at: base.appendingPathComponent("config"),
            withIntermediateDirectories: true
        )
        // A session of its own: the manager must not touch the test's terminal or process group.
        manager = try BackgroundProcess(
            "/usr/bin/setsid",
            [
                "--fork", "--wait", "/usr/bin/unshare", "--mount", "--propagation", "private", "--fork", "/bin/sh",
                "-c",
                "mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system && exec /lib/systemd/systemd --user",
            ],
            environment: [
                "XDG_RUNTIME_DIR": runtime.path, "XDG_CONFIG_HOME": base.appendingPathComponent("config").path,
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ]
        )
        let privateSocket = runtime.appendingPathComponent("systemd/private").path
        do {
            try waitFor("systemd --user to start", timeout: 10) {
                guard manager.process.isRunning else { throw Timeout(description: "systemd --user exited") }
                return FileManager.default.fileExists(atPath: privateSocket) ? true : nil
            }
            // setsid → unshare → the manager.
            managerPID = try waitFor("the manager's pid") {
                childPIDs(of: manager.process.processIdentifier).first.flatMap { childPIDs(of: $0).first }
            }
        } catch {
            if managerPID > 0 { kill(managerPID, SIGKILL) }
            manager.terminate()
            try? FileManager.default.removeItem(at: base)
            throw error
        }
    }

    deinit {
        _ = try? systemctl("stop", "drover.service", "drover.socket")
        // A user manager does not exit on SIGTERM; its units are stopped already.
        kill(managerPID, SIGKILL)
        manager.terminate()
        try? FileManager.default.removeItem(at: base)
    }

    /// Runs `systemctl --user ARGS` inside the manager's mount namespace.
    @discardableResult
    func systemctl(_ arguments: String...) throws -> CtlResult {
        let process = Process()
        let output = Pipe()
        let error = Pipe()
        // In a session of its own, with no terminal: systemctl must not touch the test's.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments =
            [
                "--wait", "/usr/bin/nsenter", "--target", String(managerPID), "--mount", "--",
                "systemctl", "--user", "--no-pager", "--no-ask-password",
            ] + arguments
        process.standardInput = FileHandle.nullDevice
        process.environment = ["XDG_RUNTIME_DIR": runtime.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CtlResult(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self)
        )
    }

    /// A property of a unit (`systemctl show -p NAME --value`).
    func property(_ unit: String, _ name: String) throws -> String {
        try systemctl("show", "-p", name, "--value", unit).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Installs a unit file and reloads the manager.
    func install(_ name: String, _ text: String) throws {
        try text.write(to: runtime.appendingPathComponent("systemd/user/\(name)"), atomically: true, encoding: .utf8)
        try systemctl("daemon-reload")
    }

    /// The control socket droverd makes in its RuntimeDirectory=drover.
    var controlSocket: String { runtime.appendingPathComponent("drover/drover.sock").path }

    /// A unit from packaging/systemd, with the paths of this checkout and the test's app directory.
    static func packagedUnit(_ name: String, app: URL, replacing extra: [(String, String)] = []) throws -> String {
        var text = try String(
            contentsOf: Paths.root.appendingPathComponent("packaging/systemd/\(name)"),
            encoding: .utf8
        )
        var replacements: [(String, String)] = [
            ("/usr/bin/droverd -c /etc/drover/drover.toml", "\(Paths.droverd) -c \(app.path)/drover.toml"),
            ("/usr/bin/droverctl", Paths.droverctl),
            ("WorkingDirectory=/srv/app", "WorkingDirectory=\(app.path)"),
            ("[Service]\n", "[Service]\nEnvironment=PATH=\(Paths.venvBin):/usr/bin:/bin\n"),
            // This sandbox cannot remount /proc/sys inside a user manager (status 226/NAMESPACE);
            // every other hardening option of the unit stays.
            ("ProtectKernelTunables=yes\n", ""),
        ]
        // A checkout under /tmp (a CI clone, say) holds droverd, the venv and the app: PrivateTmp= would hide them.
        if Paths.root.path.hasPrefix("/tmp/") || Paths.root.path.hasPrefix("/var/tmp/") {
            replacements.append(("PrivateTmp=yes\n", ""))
        }
        for (old, new) in replacements + extra {
            precondition(text.contains(old), "\(name) has no '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }
}
