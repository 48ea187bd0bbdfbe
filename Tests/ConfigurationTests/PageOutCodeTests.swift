//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("page_out_code: paging out start-up code once the pools are up")
struct PageOutCodeTests {
    @Test("on by default; off by --no-page-out-code, DROVER_PAGE_OUT_CODE=false or drover.toml, with its source")
    func sources() throws {
        let byDefault = try resolve()
        #expect(byDefault.pageOutCode)
        #expect(byDefault.report["config"]?["page_out_code"]?.boolValue == true)
        let flag = try resolve(["--no-page-out-code"])
        #expect(!flag.pageOutCode)
        #expect(flag.sources["page_out_code"] == "flag:--no-page-out-code")
        #expect(try !resolve(environment: ["DROVER_PAGE_OUT_CODE": "false"]).pageOutCode)
        #expect(try !resolve(toml: "page_out_code = false\n").pageOutCode)
        #expect(try resolve(["--page-out-code"], toml: "page_out_code = false\n").pageOutCode)
        #expect(resolveError(environment: ["DROVER_PAGE_OUT_CODE": "maybe"]).contains("DROVER_PAGE_OUT_CODE"))
        #expect(resolveError(toml: "page_out_code = 3\n").contains("page_out_code"))
    }
}
