//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//
//
// toml++ (inside TOMLKit) checks its own invariants with assert(), and some malformed
// documents break them (`[[[x`, `["a",} "b"]`): the process aborts. A configuration
// reload must never take droverd down, so documents are first parsed under a guard that
// turns a failed assertion into an answer.

#ifndef CTOMLGUARD_H
#define CTOMLGUARD_H

/// Parses `text` (NUL-terminated) with toml++ and throws the result away. Returns NULL when
/// the parser finished (with a table or a parse error), or the text of the assertion that
/// failed inside it (a static string). The parser's memory is leaked on that path.
const char *drover_toml_assertion(const char *text);

#endif
