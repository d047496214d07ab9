/*
 * A validating JSON reader for incoming bodies (webhooks, API requests):
 * simdjson's DOM parser, in gateway/util/jread.cpp (the project's one C++
 * file, built without exceptions), seen from C as a read-only tree.
 * jansson stays for what the gateway builds.
 *
 * What it refuses, as jansson did with JSON_REJECT_DUPLICATES: malformed
 * JSON, invalid UTF-8, a duplicate key in any object, "\u0000" in a string
 * or a key, and integers outside int64 (a number with a fraction or
 * exponent is a real). Strings and keys are NUL-terminated and point into
 * the document.
 *
 *     struct gw_jdoc *doc;
 *     const struct gw_jval *root = gw_jparse(&doc, body, len, err, sizeof(err));
 *     const struct gw_jval *title = gw_jpath(root, "issue.title");
 *     ...
 *     gw_jdoc_free(doc);
 *
 * Everything is valid until gw_jdoc_free. One document at a time reuses
 * one parser and its buffers (the event loop parses one body at a time);
 * a second document open at once gets its own.
 */
#ifndef GW_JREAD_H
#define GW_JREAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gw_jtype { GW_JNULL, GW_JFALSE, GW_JTRUE, GW_JINT, GW_JREAL, GW_JSTRING, GW_JARRAY,
                GW_JOBJECT };

struct gw_jval {
    enum gw_jtype type;
    uint32_t n;                     /* string: bytes; array, object: members */
    const char *key;                /* as a member of an object: its key; else NULL */
    size_t key_len;
    union {
        const char *s;              /* GW_JSTRING */
        int64_t i;                  /* GW_JINT */
        double d;                   /* GW_JREAL */
        const struct gw_jval *items; /* GW_JARRAY, GW_JOBJECT: members [0, n) in order */
    } v;
};

struct gw_jdoc;

/*
 * Bytes the reader may read past the end of a body (never changing them):
 * a caller that has them allocated after buf says so with padded, and the
 * body is parsed where it lies; otherwise it is copied once.
 */
#define GW_JREAD_PADDING 64

/*
 * Parses buf[0..len). Returns the root and sets *doc (free it with
 * gw_jdoc_free), or NULL with *doc NULL and a reason ("malformed JSON: …")
 * in err. padded: buf has GW_JREAD_PADDING readable bytes after len.
 */
const struct gw_jval *gw_jparse_padded(struct gw_jdoc **doc, const char *buf, size_t len,
                                       int padded, char *err, size_t errlen);
#define gw_jparse(doc, buf, len, err, errlen) gw_jparse_padded(doc, buf, len, 0, err, errlen)
void gw_jdoc_free(struct gw_jdoc *doc);

/* Member key of object obj, or NULL (also when obj is NULL or not an object). */
const struct gw_jval *gw_jget(const struct gw_jval *obj, const char *key);

/* The value at a dotted path ("issue.number") through objects, or NULL. */
const struct gw_jval *gw_jpath(const struct gw_jval *obj, const char *path);

/* The string value of v, or NULL when v is NULL or not a string. */
const char *gw_jstr(const struct gw_jval *v);

/* v is present and JSON null. */
int gw_jis_null(const struct gw_jval *v);

#ifdef __cplusplus
}
#endif

#endif
