//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import DroverConfiguration
import DroverShared
import Testing

@Suite("max_worker_memory, memory_interval, memory_samples: sizes with units, per pool, off by default")
struct MemoryLimitSettingTests {
    @Test("off by default, and with 0")
    func off() throws {
        #expect(try resolve().web.memoryLimit == nil)
        #expect(try resolve(["--max-worker-memory", "0"]).web.memoryLimit == nil)
        let pool = try resolve().report["config"]?["pools"]?.arrayValue?.first
        #expect(pool?["max_worker_memory"]?.intValue == 0 && pool?["memory_samples"]?.intValue == 3)
    }

    @Test("sizes in bytes or with K, M, G, T (KiB, MB… alike: powers of 1024); the sampling's settings")
    func sources() throws {
        #expect(try resolve(["--max-worker-memory", "512MiB"]).web.memoryLimit == MemoryLimit(bytes: 512 << 20))
        #expect(try resolve(["--max-worker-memory", "2G"]).web.memoryLimit?.bytes == 2 << 30)
        #expect(try resolve(["--max-worker-memory", "1.5GB"]).web.memoryLimit?.bytes == 3 << 29)
        #expect(try resolve(["--max-worker-memory", "1073741824"]).web.memoryLimit?.bytes == 1 << 30)
        let environment = ["MAX_WORKER_MEMORY": "300M", "MEMORY_INTERVAL": "2s", "MEMORY_SAMPLES": "5"]
        #expect(
            try resolve(environment: environment).web.memoryLimit
                == MemoryLimit(bytes: 300 << 20, interval: .seconds(2), samples: 5)
        )
        let toml = """
            [pools.web]
            app = "main:app"
            max_worker_memory = "768MiB"
            memory_interval = "30s"
            """
        #expect(try resolve(toml: toml).web.memoryLimit == MemoryLimit(bytes: 768 << 20, interval: .seconds(30)))
    }

    @Test("a bad value gets one line naming the culprit")
    func badValues() {
        for (arguments, message) in [
            (
                ["--max-worker-memory", "lots"],
                "--max-worker-memory: 'lots' is not a size (e.g. 512MiB, 2G, 1073741824)"
            ),
            (
                ["--max-worker-memory", "512"],
                "--max-worker-memory: '512' is out of range (1MiB to 1PiB, or 0 for none)"
            ),
            (["--max-worker-memory", "-1G"], "--max-worker-memory: '-1G' is not a size"),
            (["--max-worker-memory", "1G", "--memory-interval", "0.5"], "--memory-interval: at least 1s"),
            (["--max-worker-memory", "1G", "--memory-samples", "0"], "--memory-samples: "),
        ] {
            let error = resolveError(arguments)
            #expect(error.hasPrefix(message), "\(arguments): \(error)")
            #expect(!error.contains("\n"))
        }
        #expect(resolveError(environment: ["MAX_WORKER_MEMORY": "x"]).contains("MAX_WORKER_MEMORY"))
    }
}
