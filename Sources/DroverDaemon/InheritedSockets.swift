//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CSystemd
import Glibc

/// Sockets systemd passed in (socket activation: `LISTEN_FDS`, `LISTEN_FDNAMES`), taken once at
/// start-up; the variables are removed so that nothing droverd starts sees them.
struct InheritedSocket: Sendable {
    let fd: Int32
    /// The `FileDescriptorName=`, or the fd number when systemd gave none (or the same name twice).
    let name: String

    static func take() -> [InheritedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        var sockets: [InheritedSocket] = []
        var seen: Set<String> = []
        for index in 0..<Int(count) {
            let fd = SD_LISTEN_FDS_START + Int32(index)
            var name = names?[index].map { String(cString: $0) } ?? ""
            if name.isEmpty || name == "unknown" || seen.contains(name) { name = String(fd) }
            seen.insert(name)
            sockets.append(InheritedSocket(fd: fd, name: name))
            free(names?[index])
        }
        free(names)
        return sockets
    }
}
