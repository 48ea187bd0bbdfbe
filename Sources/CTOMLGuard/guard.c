//===----------------------------------------------------------------------===//
// Drover: a process supervisor for web worker pools.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#include "ctomlguard.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// TOMLKit's C entry point (CTOML), declared here as it is defined there.
struct drover_ctoml_parse_error {
    const char *description;
    uint32_t begin_line, begin_column, end_line, end_column;
};
void *tableCreateFromString(const char *text, struct drover_ctoml_parse_error *error);

extern const char *program_invocation_short_name;

static __thread jmp_buf *guard;
static __thread const char *failed_assertion;

// glibc's assert() calls this. Defined in the executable, it takes precedence over libc's:
// inside drover_toml_assertion it jumps back out of the parser; anywhere else it does what
// glibc's does.
__attribute__((noreturn)) void __assert_fail(const char *assertion, const char *file, unsigned int line,
                                             const char *function) {
    if (guard != NULL) {
        failed_assertion = assertion;
        longjmp(*guard, 1);
    }
    fprintf(stderr, "%s: %s:%u: %s: Assertion `%s' failed.\n", program_invocation_short_name, file, line,
            function, assertion);
    abort();
}

const char *drover_toml_assertion(const char *text) {
    jmp_buf here;
    struct drover_ctoml_parse_error error = {0};
    if (setjmp(here) != 0) {
        guard = NULL;
        return failed_assertion;
    }
    guard = &here;
    void *table = tableCreateFromString(text, &error);
    guard = NULL;
    // TOMLKit offers no way to free a table (it keeps every table it parses); the error's text is ours.
    (void)table;
    free((void *)error.description);
    return NULL;
}
