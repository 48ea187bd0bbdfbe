//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Socket placeholders in a `command` worker's arguments: `{fd}` (the first socket),
/// `{fd:N}` (the N-th, from 0) and `{fd:NAME}` (by bind name) become fd numbers (3, 4, …).
public enum CommandTemplate {
    /// The `LISTEN_FDNAMES` name of a worker's own probe socket (`ready_probe`).
    public static let probeName = "probe"

    /// The placeholder bodies (`fd`, `fd:1`, `fd:http`) found in one argument.
    public static func placeholders(in argument: String) -> [String] {
        var found: [String] = []
        var rest = Substring(argument)
        while let open = rest.range(of: "{fd") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let body = rest[rest.index(after: open.lowerBound)..<close]
            if body == "fd" || body.hasPrefix("fd:") { found.append(String(body)) }
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// The position of the socket a placeholder names, if any; with `probe`, `{fd:probe}` names the
    /// worker's own probe socket, passed after the binds.
    public static func socketIndex(_ placeholder: String, binds: [BindAddress], probe: Bool = false) -> Int? {
        if placeholder == "fd" { return binds.isEmpty ? nil : 0 }
        let key = placeholder.dropFirst(3)
        if probe, key == probeName, !binds.contains(where: { $0.name == probeName }) { return binds.count }
        if let index = Int(key) { return binds.indices.contains(index) ? index : nil }
        return binds.firstIndex { $0.name == String(key) }
    }

    /// `argument` with every placeholder replaced by its fd number.
    public static func expand(_ argument: String, binds: [BindAddress], probe: Bool = false) -> String {
        var result = argument
        for placeholder in placeholders(in: argument) {
            guard let index = socketIndex(placeholder, binds: binds, probe: probe) else { continue }
            result = result.replacingOccurrences(of: "{\(placeholder)}", with: String(3 + index))
        }
        return result
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Index>? {
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) {
                return index..<self.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
