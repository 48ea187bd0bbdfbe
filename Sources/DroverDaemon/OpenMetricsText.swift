//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// OpenMetrics 1.0 text for droverd's own metrics, rewritten from the Prometheus text format that
/// swift-prometheus writes (it has no OpenMetrics writer; the app's metrics are written directly,
/// ``AppMetricsExposition``). The two formats differ, for what droverd exports, only in the
/// family lines: a counter family is named without `_total` (its samples keep it), `untyped` is
/// `unknown`, and a help text escapes `"` too. No `# UNIT` lines and no `_created` samples (both
/// optional); the caller ends the whole exposition with ``end``. Pure.
enum OpenMetricsText {
    /// The line every OpenMetrics exposition ends with.
    static let end = "# EOF\n"

    /// `text` (families of `# HELP` and `# TYPE` lines, then their samples) as OpenMetrics.
    static func converting(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 256)
        var help: (name: Substring, text: Substring)?
        // A counter whose family name lacks `_total`: its samples get it (the format requires it).
        var counterWithoutTotal: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                let name = rest.prefix { $0 != " " }
                help = (name, rest.dropFirst(name.count + 1))
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let fields = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard fields.count == 2 else { continue }
                let (name, type) = (fields[0], fields[1])
                var family = name
                counterWithoutTotal = nil
                if type == "counter" {
                    if name.hasSuffix("_total") {
                        family = name.dropLast("_total".count)
                    } else {
                        counterWithoutTotal = name
                    }
                }
                if let help, help.name == name {
                    output += "# HELP \(family) \(help.text.replacing("\"", with: "\\\""))\n"
                }
                help = nil
                output += "# TYPE \(family) \(type == "untyped" ? "unknown" : type)\n"
                continue
            }
            if line.hasPrefix("#") { continue }  // no other comments in OpenMetrics
            if let counter = counterWithoutTotal, line.hasPrefix(counter),
                let next = line.dropFirst(counter.count).first, next == "{" || next == " "
            {
                output += counter + "_total" + line.dropFirst(counter.count) + "\n"
            } else {
                output += line + "\n"
            }
        }
        return output
    }
}
