//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Prometheus's text format as `prometheus_client`'s `generate_latest` writes it, and its sample lines
/// in OpenMetrics (numbers as its `floatToGoString`, names escaped with underscores, label values
/// and help escaped), for the app's
/// multiprocess metrics droverd serves. swift-prometheus writes droverd's own metrics; it has no
/// writer for samples it does not hold, so this one is by hand. Pure.
enum PrometheusText {
    /// `floatToGoString`: `+Inf`, `-Inf`, `NaN`, Python's `repr` otherwise, with Go's exponent for
    /// positive numbers of more than 6 integer digits (`1.5e+06`).
    static func goString(_ value: Double) -> String {
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value.isNaN { return "NaN" }
        let text = pythonRepr(value)
        guard value > 0, let dot = text.firstIndex(of: "."), text.distance(from: text.startIndex, to: dot) > 6 else {
            return text
        }
        let integer = text[..<dot]
        var mantissa = String(integer.prefix(1)) + "." + integer.dropFirst() + text[text.index(after: dot)...]
        while mantissa.last == "0" || mantissa.last == "." { mantissa.removeLast() }
        let exponent = integer.count - 1
        return mantissa + "e+" + (exponent < 10 ? "0" : "") + String(exponent)
    }

    /// Python's `repr` of a finite float: the shortest digits that read back the same (Swift's
    /// `description` finds the same ones), in fixed notation when the decimal point is within 16
    /// digits of them (`1234567890123456.0`, `0.0001`), else `1e+16`, `1e-05`.
    static func pythonRepr(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        let text = abs(value).description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var digits = Array(mantissa.filter { $0 != "." })
        var point =
            (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
                ?? mantissa.count) + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        guard !digits.isEmpty else { return sign + "0.0" }
        if point > -4 && point <= 16 {
            if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
            if point >= digits.count {
                return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0"
            }
            return sign + String(digits[..<point]) + "." + String(digits[point...])
        }
        let power = point - 1
        let fraction = digits.count > 1 ? "." + String(digits.dropFirst()) : ""
        return sign + String(digits[0]) + fraction + (power < 0 ? "e-" : "e+") + (abs(power) < 10 ? "0" : "")
            + String(abs(power))
    }

    /// Python's `float(text)` for the numbers a library writes (`0.5`, `1e+06`, `+Inf`, `NaN`).
    static func parseFloat(_ text: String) -> Double? {
        let trimmed = text.trimmingPrefix(while: \.isWhitespace)
        let word = String(trimmed.reversed().drop(while: \.isWhitespace).reversed())
        let unsigned = word.hasPrefix("+") || word.hasPrefix("-") ? String(word.dropFirst()) : word
        let negative = word.hasPrefix("-")
        switch unsigned.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: return Double(word)
        }
    }

    /// A metric name as `escape_metric_name` writes it: each character outside `[a-zA-Z_:]`
    /// (`[a-zA-Z0-9_:]` after the first) becomes `_`.
    static func metricName(_ name: String) -> String {
        escaped(name, extra: ":")
    }

    /// A label name as `escape_label_name` writes it: each character outside `[a-zA-Z_]`
    /// (`[a-zA-Z0-9_]` after the first) becomes `_`.
    static func labelName(_ name: String) -> String {
        escaped(name, extra: "")
    }

    /// A label value: backslash, newline and double quote escaped.
    static func labelValue(_ value: String) -> String {
        help(value).replacing("\"", with: "\\\"")
    }

    /// A help text: backslash and newline escaped.
    static func help(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// One sample line: `name{a="1",b="2"} value`, its labels sorted by name. In OpenMetrics the
    /// library escapes a sample's name as a label name (a `:` becomes `_`), the family's as a metric name.
    static func sampleLine(
        name: String,
        labels: [MultiprocessMetric.Label],
        value: Double,
        format: ExpositionFormat = .text
    ) -> String {
        var line = format == .openMetrics ? labelName(name) : metricName(name)
        if !labels.isEmpty {
            let sorted = labels.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
            line +=
                "{" + sorted.map { labelName($0.name) + "=\"" + labelValue($0.value) + "\"" }.joined(separator: ",")
                + "}"
        }
        return line + " " + goString(value) + "\n"
    }

    private static func escaped(_ name: String, extra characters: String) -> String {
        var result = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let value = scalar.value
            let letter =
                (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || scalar == "_"
                || characters.unicodeScalars.contains(scalar)
            let digit = index > 0 && (0x30...0x39).contains(value)
            result.unicodeScalars.append(letter || digit ? scalar : "_")
        }
        return result
    }
}
