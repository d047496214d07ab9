/*
 * The routes file (gateway/core/routes.h), loaded from a file as the
 * gateway loads KAIZEN_ROUTES_FILE, then asked where tickets and canaries
 * go. The input is the file; after a NUL byte come the component, severity
 * and source to route (each up to the next NUL). A refusal names the file;
 * a loaded file routes every ticket to the first route whose every match
 * list matches (else the default) and every canary to the first route that
 * matches its service and lists no severity or source, with that route's
 * channel and key or the default's; gw_routes_print shows no routing key.
 */
#define _GNU_SOURCE   /* memfd_create */
#include <fnmatch.h>
#include <jansson.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gateway/core/routes.h"
#include "tests/fuzz/fuzz.h"

#define FALLBACK_CHANNEL "C0FALLBACK"
#define FALLBACK_KEY "fallback-routing-key-6d1f"

/* The route a file's JSON says value goes to: its index, or -1 for the default. */
static long
first_match(json_t *routes, const char *const values[3], int canary)
{
    static const char *const names[3] = {"component", "severity", "source"};
    size_t i;
    json_t *route;

    json_array_foreach(routes, i, route) {
        json_t *match = json_object_get(route, "match");
        int all = 1;
        for (int m = 0; m < 3 && all; m++) {
            json_t *globs = json_object_get(match, names[m]), *g;
            size_t k;
            int any = globs == NULL;
            if (globs != NULL && canary && m > 0)
                all = 0;   /* a canary has no severity or source */
            json_array_foreach(globs, k, g)
                any |= fnmatch(json_string_value(g), values[m] != NULL ? values[m] : "", 0) == 0;
            all &= any;
        }
        if (all)
            return (long)i;
    }
    return -1;
}

static const char *
field(json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* dest is where route (or the default) sends, by the file's JSON. */
static void
check_destination(json_t *root, long index, const struct gw_destination *dest, const char *what)
{
    json_t *def = json_object_get(root, "default");
    json_t *route = index >= 0 ? json_array_get(json_object_get(root, "routes"), (size_t)index) : def;
    char name[32];
    const char *want_name = index < 0 ? GW_ROUTE_DEFAULT : field(route, "name");
    const char *channel = field(route, "slack_channel");
    const char *key = field(route, "pager_routing_key");

    snprintf(name, sizeof(name), "routes[%ld]", index);
    if (want_name == NULL)
        want_name = name;
    if (channel == NULL && index >= 0)
        channel = field(def, "slack_channel");
    if (channel == NULL)
        channel = FALLBACK_CHANNEL;
    if (key == NULL && field(route, "pager_routing_key_file") == NULL && index >= 0) {
        key = field(def, "pager_routing_key");
        route = def;
    }
    if (key == NULL && field(route, "pager_routing_key_file") == NULL)
        key = FALLBACK_KEY;
    FUZZ_CHECK(strcmp(dest->route, want_name) == 0, "%s: routed to %s, the file says %s", what,
               dest->route, want_name);
    FUZZ_CHECK(dest->slack_channel != NULL && strcmp(dest->slack_channel, channel) == 0,
               "%s: channel %s, the file says %s", what, dest->slack_channel, channel);
    if (key != NULL)
        FUZZ_CHECK(dest->pager_key != NULL && strcmp(dest->pager_key, key) == 0,
                   "%s: another routing key", what);
}

/* Appends every string of v (object keys included) but routing keys to out. */
static void
public_strings(json_t *v, FILE *out)
{
    const char *key;
    json_t *member;
    size_t i;

    if (json_is_string(v))
        fprintf(out, "%s\n", json_string_value(v));
    json_array_foreach(v, i, member)
        public_strings(member, out);
    json_object_foreach(v, key, member) {
        fprintf(out, "%s\n", key);
        if (strcmp(key, "pager_routing_key") != 0)
            public_strings(member, out);
    }
}

/*
 * No routing key (of the file, nor the fallback) is in what gw_routes_print
 * shows, unless the rest of what it may show (names, globs, channels, its
 * own words) holds it too.
 */
static void
check_print(const struct gw_routes *r, json_t *root)
{
    char *text = NULL, *shown = NULL;
    size_t len = 0, shown_len = 0, i;
    FILE *f = open_memstream(&text, &len), *g = open_memstream(&shown, &shown_len);
    json_t *route;

    if (f == NULL || g == NULL)
        abort();
    gw_routes_print(r, f);
    fclose(f);
    fprintf(g, " (everything else) -> slack %s, pager key set default key (none) routes[]\n",
            FALLBACK_CHANNEL);
    public_strings(root, g);
    fclose(g);
    if (strstr(shown, FALLBACK_KEY) == NULL)
        FUZZ_CHECK(strstr(text, FALLBACK_KEY) == NULL, "the fallback key is printed");
    json_array_foreach(json_object_get(root, "routes"), i, route) {
        const char *key = field(route, "pager_routing_key");
        if (key != NULL && strstr(shown, key) == NULL)
            FUZZ_CHECK(strstr(text, key) == NULL, "a routing key is printed: %s", key);
    }
    free(shown);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    const char *values[3] = {NULL, NULL, NULL}, *end = (const char *)data + size;
    const char *nul = size > 0 ? memchr(data, '\0', size) : NULL;
    size_t file_len = nul != NULL ? (size_t)(nul - (const char *)data) : size;
    char err[1024] = "", *copy = NULL;
    struct gw_routes *r;
    json_t *root;

    if (fd < 0) {
        if ((fd = memfd_create("routes.json", 0)) < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, file_len, 0) != (ssize_t)file_len)
        abort();
    r = gw_routes_load(path, FALLBACK_CHANNEL, FALLBACK_KEY, NULL, err, sizeof(err));
    if (r == NULL) {
        FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':',
                   "a refusal that does not name the file: %s", err);
        return 0;
    }
    /* The values to route: NUL-separated after the file. */
    if (nul != NULL && (copy = malloc((size_t)(end - nul))) != NULL) {
        memcpy(copy, nul + 1, (size_t)(end - nul - 1));
        copy[end - nul - 1] = '\0';
        values[0] = copy;
        for (int i = 1; i < 3 && values[i - 1] != NULL; i++) {
            const char *next = values[i - 1] + strlen(values[i - 1]) + 1;
            values[i] = next <= copy + (end - nul - 1) ? next : NULL;
        }
    }
    root = json_loadb((const char *)data, file_len, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(root != NULL, "a routes file loaded that jansson does not read");
    {
        struct gw_destination t = gw_routes_ticket(r, values[0], values[1], values[2]);
        struct gw_destination c = gw_routes_canary(r, values[0]);
        check_destination(root, first_match(json_object_get(root, "routes"), values, 0), &t,
                          "a ticket");
        check_destination(root, first_match(json_object_get(root, "routes"), values, 1), &c,
                          "a canary");
    }
    check_print(r, root);
    json_decref(root);
    free(copy);
    gw_routes_free(r);
    return 0;
}
