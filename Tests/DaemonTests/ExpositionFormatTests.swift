//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import DroverDaemon

@Suite("/metrics: the format the Accept header asks for")
struct ExpositionFormatTests {
    @Test(
        "Prometheus 2's and 3's headers ask for OpenMetrics; none, */*, the text format, or what droverd cannot write get text 0.0.4",
        arguments: [
            // Prometheus 2.x (Debian's 2.42) by default.
            (
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                ExpositionFormat.openMetrics
            ),
            // Prometheus 3.x by default.
            (
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                .openMetrics
            ),
            ("application/openmetrics-text; version=0.0.1", .openMetrics),
            ("application/openmetrics-text", .openMetrics),
            ("text/plain;q=0.9, application/openmetrics-text", .openMetrics),
            // Prometheus with `scrape_protocols: [PrometheusText0.0.4]`.
            ("text/plain;version=0.0.4;q=1,*/*;q=0.1", .text),
            ("application/openmetrics-text;q=0.5, text/plain", .text),
            ("*/*", .text),
            ("text/*, application/openmetrics-text", .text),
            ("application/openmetrics-text;q=0", .text),
            ("application/openmetrics-text;version=2.0.0", .text),
            ("application/json", .text),
            ("", .text),
        ]
    )
    func negotiation(accept: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat(accept: accept) == expected)
    }

    @Test("No Accept header: the text format; the content types")
    func defaults() {
        #expect(ExpositionFormat(accept: nil) == .text)
        #expect(ExpositionFormat.text.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(
            ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )
    }
}
