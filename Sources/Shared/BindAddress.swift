//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A listening address as written in `--bind`: `HOST:PORT`, `[IPv6]:PORT`, `unix:PATH`
/// or `fd://NAME` (a socket systemd passed in), optionally prefixed by a name (`http=0.0.0.0:80`).
public struct BindAddress: Hashable, Sendable, CustomStringConvertible {
    /// Where the socket lives.
    public enum Endpoint: Hashable, Sendable {
        /// A TCP address; `host` is an IP literal or a name to resolve, without brackets.
        case tcp(host: String, port: Int)
        /// A Unix-domain stream socket path.
        case unix(path: String)
        /// A socket inherited from systemd, by `LISTEN_FDNAMES` name or position.
        case inherited(name: String)
    }

    /// Where the socket lives.
    public var endpoint: Endpoint
    /// The name passed to workers in `LISTEN_FDNAMES`, if one was given.
    public var name: String?

    /// Port used when a TCP address gives none (Gunicorn's default).
    public static let defaultPort = 8000

    /// Builds an address from its parts.
    public init(_ endpoint: Endpoint, name: String? = nil) {
        self.endpoint = endpoint
        self.name = name
    }

    /// Parses the text of a `--bind` value.
    public init(parsing text: String) throws(ConfigurationError) {
        var rest = Substring(text)
        var name: String?
        if let equals = rest.firstIndex(of: "="), !rest[..<equals].contains(where: { $0 == ":" || $0 == "/" }) {
            let candidate = rest[..<equals]
            guard Self.isValidName(candidate) else {
                throw ConfigurationError("bind '\(text)': invalid name '\(candidate)' (letters, digits, '_', '-', '.')")
            }
            name = String(candidate)
            rest = rest[rest.index(after: equals)...]
        }
        self.name = name
        if rest.hasPrefix("unix:") {
            var path = rest.dropFirst(5)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { throw ConfigurationError("bind '\(text)': empty Unix socket path") }
            guard path.utf8.count < 108 else {
                throw ConfigurationError("bind '\(text)': Unix socket path longer than 107 bytes")
            }
            endpoint = .unix(path: String(path))
        } else if rest.hasPrefix("fd://") {
            let fdName = rest.dropFirst(5)
            guard Self.isValidName(fdName) else {
                throw ConfigurationError("bind '\(text)': expected fd://NAME with the name of a socket systemd passes")
            }
            endpoint = .inherited(name: String(fdName))
        } else {
            endpoint = try Self.parseTCP(rest, original: text)
        }
    }

    private static func parseTCP(_ text: Substring, original: String) throws(ConfigurationError) -> Endpoint {
        guard !text.isEmpty else { throw ConfigurationError("bind '\(original)': empty address") }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigurationError("bind '\(original)': missing ']' after the IPv6 address")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ConfigurationError("bind '\(original)': expected ':PORT' after ']'")
                }
                portText = after.dropFirst()
            }
            guard host.contains(":") else {
                throw ConfigurationError("bind '\(original)': '\(host)' is not an IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw ConfigurationError("bind '\(original)': write IPv6 addresses in brackets, e.g. [::1]:8000")
            }
        } else {
            host = text
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "%" })
        else {
            throw ConfigurationError("bind '\(original)': invalid host '\(host)'")
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (0...65535).contains(value) else {
                throw ConfigurationError("bind '\(original)': port '\(portText)' is not a number from 0 to 65535")
            }
            port = value
        }
        return .tcp(host: String(host), port: port)
    }

    /// Whether `text` may be a socket name (`LISTEN_FDNAMES` forbids ':').
    public static func isValidName(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 255
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// The address as a user would write it (without the name).
    public var description: String {
        switch endpoint {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        case .inherited(let name): "fd://\(name)"
        }
    }
}
