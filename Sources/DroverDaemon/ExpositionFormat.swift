//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The format `GET /metrics` answers in, chosen by the request's `Accept` header: OpenMetrics 1.0
/// when the client prefers `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) to the
/// text format, as Prometheus does (`application/openmetrics-text;version=1.0.0,…,text/plain;
/// version=0.0.4;q=0.5,*/*;q=0.1`); Prometheus's text format 0.0.4 otherwise, also without an
/// `Accept` header or with one that names neither. Pure.
enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus's text format, version 0.0.4.
    case text
    /// OpenMetrics 1.0.0: counter families named without `_total`, `# EOF` at the end.
    case openMetrics

    /// The `Content-Type` of an answer in this format.
    var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format `accept` asks for: of the media ranges droverd can answer, the one with the
    /// highest `q` (the first of equals); `*/*`, `text/*` and `text/plain` mean the text format.
    init(accept: String?) {
        var best: (format: ExpositionFormat, quality: Double)?
        for range in (accept ?? "").split(separator: ",") {
            guard let (format, quality) = Self.offer(for: range), quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (format, quality) }
        }
        self = best?.format ?? .text
    }

    /// What droverd answers for one media range (`type/subtype;param=value…`) and its quality;
    /// nil for a range droverd has nothing for (another type, an OpenMetrics or text version it
    /// does not write).
    private static func offer(for range: Substring) -> (ExpositionFormat, Double)? {
        let parts = range.split(separator: ";").map { trimmed($0).lowercased() }
        guard let type = parts.first else { return nil }
        var quality = 1.0
        var version: String?
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { trimmed($0) }
            guard pair.count == 2 else { continue }
            let value = String(pair[1].filter { $0 != "\"" })
            switch pair[0] {
            case "q": quality = Double(value).map { min(max($0, 0), 1) } ?? 1
            case "version": version = value
            default: continue  // charset, escaping: droverd's names need no escaping
            }
        }
        switch type {
        case "application/openmetrics-text":
            guard version == nil || version == "1.0.0" || version == "0.0.1" else { return nil }
            return (.openMetrics, quality)
        case "text/plain":
            guard version == nil || version == "0.0.4" else { return nil }
            return (.text, quality)
        case "text/*", "*/*":
            return (.text, quality)
        default:
            return nil
        }
    }

    /// `text` without its leading and trailing spaces and tabs.
    private static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
