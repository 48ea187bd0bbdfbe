//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

/// Every integration test runs real droverd and Uvicorn processes on a 2-core machine:
/// one at a time, so timing checks are not skewed by the other tests' processes.
@Suite("Integration", .serialized)
enum Integration {}
