//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Finds a program the way a shell does: a name with a '/' is a path, others are looked up on PATH.
enum ProgramLocator {
    static func find(_ program: String, path: String?) throws(SpawnError) -> String {
        if program.contains("/") {
            guard access(program, X_OK) == 0 else { throw SpawnError("\(program): \(errnoText())") }
            return program
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw SpawnError("\(program): command not found on PATH")
    }
}

/// Why a worker could not be spawned, in one line.
struct SpawnError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
