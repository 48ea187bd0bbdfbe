//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The version droverd and droverctl report: the one place it is written in Swift.
///
/// The launcher's `drover_worker.__version__` (which python/pyproject.toml reads) and
/// packaging/debian/changelog's latest entry keep a copy each; `Tests/SharedTests/VersionTests`
/// fails when one of them disagrees.
public let droverVersion = "0.1.0"
