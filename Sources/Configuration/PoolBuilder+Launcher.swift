//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverShared

extension PoolBuilder {
    /// `max_worker_memory` (0: none) with `memory_interval` (1 s to a day) and `memory_samples` (1 to 100).
    func memoryLimit(layer: Layer, key: (Setting) -> String) throws(ConfigurationError) -> MemoryLimit? {
        let bytes =
            try layer[.maxWorkerMemory].map { entry throws(ConfigurationError) in
                try ValueParser.size(entry, key(.maxWorkerMemory))
            } ?? 0
        let poolBytes =
            try layer[.poolMemoryLimit].map { entry throws(ConfigurationError) in
                try ValueParser.size(entry, key(.poolMemoryLimit))
            } ?? 0
        guard bytes > 0 || poolBytes > 0 else { return nil }
        var limit = MemoryLimit(bytes: bytes, poolBytes: poolBytes > 0 ? poolBytes : nil)
        if let interval = layer[.memoryInterval] {
            limit.interval = try ValueParser.duration(interval, key(.memoryInterval), limit: 86_400)
            guard limit.interval >= .seconds(1) else {
                throw ConfigurationError("\(interval.source.culprit(key(.memoryInterval))): at least 1s")
            }
        }
        if let samples = layer[.memorySamples] {
            limit.samples = try ValueParser.integer(samples, key(.memorySamples), range: 1...100)
        }
        return limit
    }

    /// `spawn` and `preload_app`: preloading forks (an unset `spawn` becomes `fork`), so
    /// `--preload` alone, as Gunicorn users write it, shares the app's memory.
    func spawnMode(layer: Layer, key: (Setting) -> String) throws(ConfigurationError) -> (SpawnMode, Bool) {
        let preload =
            try layer[.preloadApp].map { entry throws(ConfigurationError) in
                try ValueParser.boolean(entry, key(.preloadApp))
            } ?? false
        guard let entry = layer[.spawn] else { return (preload ? .fork : .exec, preload) }
        let word = try ValueParser.text(entry, key(.spawn))
        guard let mode = SpawnMode(rawValue: word) else {
            throw ConfigurationError("\(entry.source.culprit(key(.spawn))): '\(word)' is not one of fork, exec")
        }
        if preload && mode == .exec {
            throw ConfigurationError(
                "\(layer[.preloadApp]!.source.culprit(key(.preloadApp))): preloading needs spawn = fork, and \(entry.source.culprit(key(.spawn))) says exec"
            )
        }
        return (mode, preload)
    }

    /// The launcher's flags for the settings it applies in each worker (those declared with a
    /// ``SettingSpec/LauncherFlag``), each checked here so a bad value stops droverd, not a worker.
    func launcherArguments(layer: Layer, key: (Setting) -> String) throws(ConfigurationError) -> [String] {
        var arguments: [String] = []
        for spec in SettingRegistry.all {
            guard let flag = spec.launcher, let entry = layer[spec.setting] else { continue }
            let culprit = entry.source.culprit(key(spec.setting))
            switch flag.kind {
            case .boolean:
                if try ValueParser.boolean(entry, key(spec.setting)) { arguments.append(flag.name) }
                continue
            case .text:
                arguments += [flag.name, try ValueParser.text(entry, key(spec.setting))]
            case .commaList:
                arguments += [flag.name, try ValueParser.list(entry, key(spec.setting)).joined(separator: ",")]
            case .integer(let range):
                arguments += [flag.name, String(try ValueParser.integer(entry, key(spec.setting), range: range))]
            case .choice(let words):
                let word = try ValueParser.text(entry, key(spec.setting))
                guard words.contains(word) else {
                    throw ConfigurationError("\(culprit): '\(word)' is not one of \(words.joined(separator: ", "))")
                }
                arguments += [flag.name, word]
            case .json:
                guard case .json(let value) = entry.value else {
                    throw ConfigurationError("\(culprit): expected a dict")
                }
                arguments += [flag.name, value.compact]
            }
            if arguments.last?.contains("\0") == true {
                throw ConfigurationError("\(culprit): a NUL character, which no argument can hold")
            }
        }
        if let entry = layer[.backlog] {
            arguments += ["--backlog", String(try ValueParser.integer(entry, "backlog", range: 1...65535))]
        }
        if let gunicorn {
            arguments += ["--gunicorn-config", gunicorn.path]
            if !gunicorn.workerHooks.isEmpty {
                arguments += ["--worker-hooks", gunicorn.workerHooks.joined(separator: ",")]
            }
        }
        return arguments
    }
}
