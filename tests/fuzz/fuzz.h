/*
 * What the fuzz targets share: a failed property is reported like a crash
 * (message, then abort), so that libFuzzer keeps the input as a reproducer.
 */
#ifndef GW_FUZZ_H
#define GW_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((format(printf, 1, 2), noreturn)) static inline void
fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("PROPERTY FAILED: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

#define FUZZ_CHECK(cond, ...)              \
    do {                                   \
        if (!(cond))                       \
            fuzz_fail(__VA_ARGS__);        \
    } while (0)

/* data[0..size) as a NUL-terminated string (cut at its first NUL); malloc'd. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
