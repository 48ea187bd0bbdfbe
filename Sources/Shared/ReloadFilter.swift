//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which files of the app directory count in development (`--reload`) mode: a file counts when
/// its name matches an include pattern and no part of its path matches an exclude pattern
/// (shell globs: `*`, `?`, `[...]`).
public struct ReloadFilter: Hashable, Sendable {
    public var include: [String]
    public var exclude: [String]

    /// `*.py`.
    public static let defaultInclude = ["*.py"]
    /// Virtual environments, caches and version control: the seed's users saw a reloader walk its venv.
    public static let defaultExclude = [
        ".venv", "venv", "env", "__pycache__", ".git", ".hg", "node_modules", ".mypy_cache", ".pytest_cache",
        ".tox", "*.pyc", ".*.swp", "*~",
    ]

    public init(include: [String] = ReloadFilter.defaultInclude, exclude: [String] = ReloadFilter.defaultExclude) {
        self.include = include
        self.exclude = exclude
    }

    /// Whether a directory (by name) is left unwatched.
    public func skipsDirectory(_ name: String) -> Bool {
        exclude.contains { Self.glob($0, name) }
    }

    /// Whether a change to `path` (relative to the app directory) counts.
    public func counts(_ path: String) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        guard let name = components.last else { return false }
        guard !components.contains(where: skipsDirectory) else { return false }
        return include.contains { Self.glob($0, name) || Self.glob($0, path) }
    }

    private static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
