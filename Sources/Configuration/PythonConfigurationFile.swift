//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

/// A Gunicorn configuration file (`gunicorn_conf.py`, `gunicorn.conf.py`, `-c FILE.py`) as the
/// launcher read it (`drover-worker --read-config`): the file was executed as Gunicorn executes
/// it, and its top-level names that are Gunicorn settings became a layer of values.
///
/// As in the seed image, such a file replaces the built-in defaults: the seed's variables
/// (`WEB_CONCURRENCY`, `BIND`, …) count only as far as the file reads them, and Gunicorn's own
/// defaults apply to what it does not set.
public struct PythonConfigurationFile: Sendable {
    /// The path as given or found (used in messages and as the source of its values).
    public let path: String
    /// The values of Drover's settings it set.
    let settings: Layer
    /// Gunicorn settings Drover ignores or refuses that it set.
    let gunicornOnly: [GunicornMention]
    /// The hooks it defines (Gunicorn's names).
    public let hooks: [String]
    /// Its top-level names that are no Gunicorn setting (ignored, as Gunicorn does).
    public let unknownNames: [String]
    /// `drover_workers_from_cpu = True`: the file computed `workers` from the CPUs by the seed's
    /// rule (the image's `/gunicorn_conf.py` says so when no `WEB_CONCURRENCY` fixed it), so
    /// droverd computes the count itself, by the same rule, and again when the CPU budget changes.
    public let workersFromCPU: Bool

    /// Reads what `drover-worker --read-config` wrote for the file at `path`.
    public init(path: String, result text: String) throws(ConfigurationError) {
        self.path = path
        let result: JSONValue
        do {
            result = try JSONValue(parsing: text)
        } catch {
            throw ConfigurationError("\(path): the launcher's answer is not JSON (\(error.description))")
        }
        if let error = result["error"], error != .null {
            let message = error["message"]?.stringValue ?? error.stringValue ?? error.compact
            throw ConfigurationError(message.hasPrefix(path) ? message : "\(path): \(message)")
        }
        let source = ValueSource.file(path: path, line: nil)
        var settings: Layer = [:]
        var mentions: [GunicornMention] = []
        for (name, value) in result["settings"]?.objectValue ?? [] {
            if let spec = SettingRegistry.spec(gunicorn: name) {
                guard let raw = try Self.raw(value, spec: spec, culprit: source.culprit(name)) else { continue }
                settings[spec.setting] = Entry(value: raw, source: source)
            } else if let other = GunicornOnlySetting.named(name) {
                if case .hook = other.status {
                    // A hook's name bound to something that is no function: Gunicorn refuses it too.
                    throw ConfigurationError("\(source.culprit(name)): not callable (\(value.compact))")
                }
                if value == .null || value == .bool(false) || value == .array([]) { continue }
                mentions.append(GunicornMention(setting: other, culprit: source.culprit(name)))
            }
        }
        let hooks = (result["hooks"]?.arrayValue ?? []).compactMap(\.stringValue)
        for hook in hooks {
            if let other = GunicornOnlySetting.named(hook), case .ignored = other.status {
                mentions.append(GunicornMention(setting: other, culprit: source.culprit(hook)))
            }
        }
        var unknown = (result["unknown"]?.arrayValue ?? []).compactMap(\.stringValue)
        var workersFromCPU = false
        for (name, value) in result["drover"]?.objectValue ?? [] {
            guard name == "drover_workers_from_cpu" else {
                unknown.append(name)
                continue
            }
            guard case .bool(let flag) = value else {
                throw ConfigurationError("\(source.culprit(name)): expected True or False, not \(value.compact)")
            }
            workersFromCPU = flag
        }
        self.settings = settings
        self.gunicornOnly = mentions
        self.hooks = hooks
        self.unknownNames = unknown.sorted()
        self.workersFromCPU = workersFromCPU
    }

    /// A Python value as the raw value of a setting; nil for None where None means "the default".
    private static func raw(
        _ value: JSONValue,
        spec: SettingSpec,
        culprit: String
    ) throws(ConfigurationError) -> RawValue? {
        switch value {
        case .null:
            // accesslog = None / errorlog = None turn the log off, as in Gunicorn.
            return [Setting.accessLogfile, .errorLogfile].contains(spec.setting) ? .text("") : nil
        case .bool(let flag): return .boolean(flag)
        case .int(let number): return .integer(number)
        case .double(let number): return .number(number)
        case .string(let text): return spec.shape == .list ? .list([text]) : .text(text)
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard let text = item.stringValue else {
                    throw ConfigurationError("\(culprit): expected a list of strings, got \(value.compact)")
                }
                strings.append(text)
            }
            return .list(strings)
        case .object:
            guard spec.shape == .structured else {
                throw ConfigurationError("\(culprit): expected a single value, got a dict")
            }
            return .json(value)
        }
    }
}
