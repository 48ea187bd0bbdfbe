//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `version`: `{"version", "pid", "name", "protocol"}`.
public struct VersionInfo: Codable, Hashable, Sendable {
    /// The version of the control protocol this droverd speaks (see docs/PROTOCOL.md, "Compatibility").
    public static let currentProtocol = 1

    /// droverd's version.
    public var version: String
    public var pid: Int32
    /// The instance name (`--name`).
    public var name: String
    /// The protocol version; absent (1) from droverd 0.1.0's answers, which came before it.
    public var protocolVersion: Int

    public init(version: String, pid: Int32, name: String, protocolVersion: Int = Self.currentProtocol) {
        self.version = version
        self.pid = pid
        self.name = name
        self.protocolVersion = protocolVersion
    }

    enum CodingKeys: String, CodingKey {
        case version, pid, name
        case protocolVersion = "protocol"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(String.self, forKey: .version)
        pid = try container.decode(Int32.self, forKey: .pid)
        name = try container.decode(String.self, forKey: .name)
        protocolVersion = try container.decodeIfPresent(Int.self, forKey: .protocolVersion) ?? 1
    }
}
