//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The answer to `config` (and what `droverd --check-config` prints): `{"config": {…}, "sources": {…}}`.
/// Both halves are the configuration report's own JSON (docs/SETTINGS.md names its keys).
public struct ConfigReport: Codable, Hashable, Sendable {
    /// The effective configuration.
    public var config: JSONValue
    /// Each setting's source, e.g. `"workers": "env:WEB_CONCURRENCY"`.
    public var sources: JSONValue

    public init(config: JSONValue, sources: JSONValue) {
        self.config = config
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case config, sources
    }
}
