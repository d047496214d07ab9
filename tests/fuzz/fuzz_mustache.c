/*
 * Mustache templates (gateway/text/mustache.h) as an operator writes them:
 * the input holds up to four templates, t0 to t3, separated by NUL bytes
 * (a template file cannot hold one), which may include each other; t0 is
 * rendered with a fixed context under HTML escaping and none. A syntax
 * error names "template:line"; a render never spends more than its budget,
 * and its budget counts all its work (every append and lookup it makes,
 * counted apart, is a unit of it: indentation included); escaping changes
 * its text only.
 */
#include <jansson.h>

#include "gateway/text/mustache.h"
#include "gateway/util/buf.h"
#include "tests/fuzz/fuzz.h"

#define TEMPLATES 4

/*
 * Every append to a buffer and every object lookup, counted apart from the
 * renderer: this target is linked with -Wl,--wrap for both functions. A
 * render that counts all its work spends at least one unit per append and
 * per lookup (a node visited, an indentation level, a frame searched).
 */
static size_t appends, lookups;

int __real_gw_buf_add(struct gw_buf *b, const char *s, size_t n);
json_t *__real_json_object_getn(const json_t *object, const char *key, size_t key_len);
int __wrap_gw_buf_add(struct gw_buf *b, const char *s, size_t n);
json_t *__wrap_json_object_getn(const json_t *object, const char *key, size_t key_len);

int
__wrap_gw_buf_add(struct gw_buf *b, const char *s, size_t n)
{
    appends++;
    return __real_gw_buf_add(b, s, n);
}

json_t *
__wrap_json_object_getn(const json_t *object, const char *key, size_t key_len)
{
    lookups++;
    return __real_json_object_getn(object, key, key_len);
}

static json_t *
context(void)
{
    static json_t *ctx;
    if (ctx == NULL)
        ctx = json_loads("{\"a\":\"<b>&\\\"x\\\"'\",\"n\":42,\"r\":1.21,\"t\":true,\"f\":false,"
                         "\"z\":null,\"s\":\"\",\"list\":[1,\"two\",{\"a\":\"in\"},[]],"
                         "\"obj\":{\"a\":\"deep\",\"list\":[],\"obj\":{\"n\":-1}},"
                         "\"e\":\"\\u00e9\\n\"}", 0, NULL);
    if (ctx == NULL)
        abort();
    return ctx;
}

/* t0 under HTML escaping and under none: the same work (escaping is not work of the template). */
static void
render(const struct gw_templates *set)
{
    size_t work = 0, raw_work = 0;
    char *html = gw_templates_render_work(set, "t0", context(), GW_ESCAPE_HTML, &work), *raw;

    /* Unescaped, a value is one append: appends and lookups are each a unit's work. */
    appends = lookups = 0;
    raw = gw_templates_render_work(set, "t0", context(), GW_ESCAPE_NONE, &raw_work);
    FUZZ_CHECK(appends + lookups <= raw_work, "%zu appends and %zu lookups for %zu units of work",
               appends, lookups, raw_work);
    FUZZ_CHECK(work <= GW_RENDER_BUDGET + TEMPLATES, "a render spent %zu units", work);
    FUZZ_CHECK(work == raw_work, "escaping changed the work: %zu, %zu", work, raw_work);
    FUZZ_CHECK(html == NULL || (raw != NULL && strlen(html) >= strlen(raw)),
               "escaping shortened the text");
    free(html);
    free(raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_templates *set = gw_templates_new();
    const char *p = (const char *)data, *end = p + size;
    int added = 0;

    if (set == NULL)
        abort();
    for (int i = 0; i < TEMPLATES && p <= end; i++) {
        const char *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        size_t len = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
        char name[4] = {'t', (char)('0' + i), '\0'}, err[256] = "";
        char *source = fuzz_string((const uint8_t *)p, len);

        if (gw_templates_add(set, name, source, NULL, err, sizeof(err)) == 0) {
            added |= i == 0;
        } else {
            char want[8];
            snprintf(want, sizeof(want), "%s:", name);
            FUZZ_CHECK(strncmp(err, want, strlen(want)) == 0 && err[strlen(want)] >= '1' &&
                           err[strlen(want)] <= '9',
                       "a syntax error that does not name its place: %s", err);
        }
        free(source);
        if (nul == NULL)
            break;
        p = nul + 1;
    }
    if (added)
        render(set);
    gw_templates_free(set);
    return 0;
}
