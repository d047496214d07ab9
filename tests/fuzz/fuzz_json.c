/*
 * The JSON reader (gateway/util/jread.h) against jansson, the reader it
 * replaced: both accept and refuse the same documents and read the same
 * tree, apart from the jansson quirks listed in docs/fuzzing.md (checked
 * here as what they are, not skipped). A body is read unpadded (copied) and
 * padded (where it lies) alike.
 */
#include <jansson.h>

#include "gateway/util/jread.h"
#include "tests/fuzz/fuzz.h"

/*
 * Past this size only the reader runs (its tree walked in full under ASan):
 * the fuzzer never makes such inputs, but the kept reproducers of 2^24
 * members are, and jansson would need gigabytes for them.
 */
#define JANSSON_MAX (1u << 20)
/* simdjson's default depth limit; jansson's is 2048. */
#define JREAD_MAX_DEPTH 1024

/* Every node of v is readable, strings and keys NUL-terminated; returns the depth. */
static size_t
walk(const struct gw_jval *v)
{
    size_t deepest = 0;
    if (v->key != NULL)
        FUZZ_CHECK(v->key[v->key_len] == '\0', "key not NUL-terminated");
    switch (v->type) {
    case GW_JSTRING:
        FUZZ_CHECK(v->v.s[v->n] == '\0', "string not NUL-terminated");
        FUZZ_CHECK(memchr(v->v.s, '\0', v->n) == NULL, "NUL inside a string");
        return 1;
    case GW_JARRAY:
    case GW_JOBJECT:
        for (uint32_t i = 0; i < v->n; i++) {
            size_t d = walk(&v->v.items[i]);
            FUZZ_CHECK((v->type == GW_JOBJECT) == (v->v.items[i].key != NULL),
                       "member keys: only object members have one");
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    default:
        return 1;
    }
}

/* The reader's v holds what jansson's j holds. */
static void
same(const struct gw_jval *v, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        FUZZ_CHECK(v->type == GW_JNULL, "null read as type %d", v->type);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        FUZZ_CHECK(v->type == (json_is_true(j) ? GW_JTRUE : GW_JFALSE), "boolean differs");
        break;
    case JSON_INTEGER:
        FUZZ_CHECK(v->type == GW_JINT && v->v.i == json_integer_value(j),
                   "integer %lld read as type %d", (long long)json_integer_value(j), v->type);
        break;
    case JSON_REAL:
        FUZZ_CHECK(v->type == GW_JREAL && v->v.d == json_real_value(j), "real %.17g differs",
                   json_real_value(j));
        break;
    case JSON_STRING:
        FUZZ_CHECK(v->type == GW_JSTRING && v->n == json_string_length(j) &&
                       memcmp(v->v.s, json_string_value(j), v->n) == 0,
                   "string differs");
        break;
    case JSON_ARRAY:
        FUZZ_CHECK(v->type == GW_JARRAY && v->n == json_array_size(j), "array differs");
        for (size_t i = 0; i < v->n; i++)
            same(&v->v.items[i], json_array_get(j, i));
        break;
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        FUZZ_CHECK(v->type == GW_JOBJECT && v->n == json_object_size(j), "object differs");
        json_object_foreach(j, key, member) {
            const struct gw_jval *m = gw_jget(v, key);
            FUZZ_CHECK(m != NULL && m->key_len == strlen(key), "key %s missing", key);
            same(m, member);
        }
        break;
    }
    }
}

static size_t
jansson_depth(json_t *j)
{
    size_t deepest = 0, d;
    const char *key;
    json_t *member;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach(j, i, member)
            if ((d = jansson_depth(member)) > deepest)
                deepest = d;
    } else if (json_is_object(j)) {
        json_object_foreach(j, key, member)
            if ((d = jansson_depth(member)) > deepest)
                deepest = d;
    }
    return deepest + 1;
}

/*
 * 1 when jansson accepted, and the reader refused, text for one of the known
 * quirks (docs/fuzzing.md); checked, not assumed: the text without the quirk
 * must read like jansson's tree.
 */
static int
jansson_quirk(const char *text, size_t len, json_t *j)
{
    struct gw_jdoc *doc;
    char err[256], *plain;
    size_t n = 0;
    const struct gw_jval *v;

    /* Nesting deeper than simdjson's 1024 levels (jansson's limit is 2048). */
    if (jansson_depth(j) > JREAD_MAX_DEPTH)
        return 1;
    /* A raw NUL byte right after a number, true, false or null: jansson skips it. */
    if (memchr(text, '\0', len) == NULL || (plain = malloc(len)) == NULL)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\0' && i > 0 && ((text[i - 1] >= '0' && text[i - 1] <= '9') ||
                                           text[i - 1] == 'e' || text[i - 1] == 'l')))
            plain[n++] = text[i];
    v = gw_jparse(&doc, plain, n, err, sizeof(err));
    FUZZ_CHECK(v != NULL, "jansson accepts a NUL byte the reader refuses (%s), and not only "
               "after a number or literal", err);
    same(v, j);
    gw_jdoc_free(doc);
    free(plain);
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_jdoc *doc = NULL, *pdoc = NULL;
    char err[256] = "", perr[256] = "";
    char *padded = calloc(1, size + GW_JREAD_PADDING);
    const struct gw_jval *v = NULL, *pv;
    json_error_t jerr;
    json_t *j;

    if (padded == NULL)
        return 0;
    memcpy(padded, data, size);
    /* As the server reads a body: where it lies, padded. */
    pv = gw_jparse_padded(&pdoc, padded, size, 1, perr, sizeof(perr));
    FUZZ_CHECK((pv == NULL) == (pdoc == NULL), "a document without a root, or the reverse");
    if (pv == NULL)
        FUZZ_CHECK(strncmp(perr, "malformed JSON: ", 16) == 0, "refused without a reason: %s", perr);
    else
        walk(pv);
    if (size > JANSSON_MAX)
        goto done;
    /* As a decoded form field is read: copied. */
    v = gw_jparse(&doc, (const char *)data, size, err, sizeof(err));
    FUZZ_CHECK((v == NULL) == (pv == NULL) && strcmp(err, perr) == 0,
               "padded and unpadded reads differ");
    j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (v != NULL || j == NULL || !jansson_quirk((const char *)data, size, j)) {
        FUZZ_CHECK((v != NULL) == (j != NULL), "jansson %s, the reader %s (%s)",
                   j != NULL ? "accepts" : "refuses", v != NULL ? "accepts" : "refuses",
                   j != NULL ? err : jerr.text);
        if (v != NULL) {
            same(v, j);
            same(pv, j);
        }
    }
    json_decref(j);
done:
    gw_jdoc_free(doc);
    gw_jdoc_free(pdoc);
    free(padded);
    return 0;
}
