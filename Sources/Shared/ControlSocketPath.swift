//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where an instance's control socket lives, as droverd and droverctl both work it out.
public enum ControlSocketPath {
    /// `$RUNTIME_DIRECTORY/NAME.sock` (systemd's `RuntimeDirectory=`), else `/run/drover/NAME.sock`
    /// for root, else `$XDG_RUNTIME_DIR/drover/NAME.sock`, else `/tmp/drover-UID/NAME.sock`.
    public static func defaultPath(name: String, environment: [String: String], uid: UInt32) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return "\(runtime)/\(name).sock"
        }
        if uid == 0 { return "/run/drover/\(name).sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return "\(runtime)/drover/\(name).sock"
        }
        return "/tmp/drover-\(uid)/\(name).sock"
    }
}
