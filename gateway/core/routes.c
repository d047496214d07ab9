#include "gateway/core/routes.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gateway/core/tz.h"
#include "gateway/util/parse.h"

enum { M_COMPONENT, M_SEVERITY, M_SOURCE, M_COUNT };
static const char *const match_names[M_COUNT] = {"component", "severity", "source"};

struct route {
    char *name;
    struct gw_strlist match[M_COUNT];   /* n == 0: any */
    char *slack_channel;                /* NULL: the default's */
    char *pager_key;                    /* NULL: the default's */
    struct gw_tz *tz;                   /* its own zone; NULL: the global one */
    struct gw_calendar calendar;        /* the global one with the route's own fields */
    int has_calendar;                   /* the routes were loaded with calendars */
    int own_hours;                      /* business_hours was given (holidays: own_holidays) */
    int own_holidays;
};

struct gw_routes {
    struct route *routes;
    size_t n;
    struct route def;
};

static void
route_clear(struct route *r)
{
    free(r->name);
    for (int m = 0; m < M_COUNT; m++)
        gw_strlist_free(&r->match[m]);
    free(r->slack_channel);
    if (r->pager_key != NULL)
        memset(r->pager_key, 0, strlen(r->pager_key));
    free(r->pager_key);
    gw_calendar_clear(&r->calendar);
    gw_tz_free(r->tz);
    memset(r, 0, sizeof(*r));
}

void
gw_routes_free(struct gw_routes *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        route_clear(&r->routes[i]);
    route_clear(&r->def);
    free(r->routes);
    free(r);
}

void
gw_routes_swap(struct gw_routes *a, struct gw_routes *b)
{
    struct gw_routes t = *a;
    *a = *b;
    *b = t;
}

/* Writes "<file>: <where>: <problem>" into err; returns -1. */
__attribute__((format(printf, 5, 6))) static int
fail(char *err, size_t errlen, const char *path, const char *where, const char *fmt, ...)
{
    char place[1024];
    va_list ap;

    snprintf(place, sizeof(place), "%s: %s", path, where);
    va_start(ap, fmt);
    gw_vfail_at(err, errlen, place, fmt, ap);
    va_end(ap);
    return -1;
}

static int
has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

static int
known(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return 1;
    return 0;
}

static int
parse_match(json_t *match, struct route *r, const char *path, const char *where, char *err,
            size_t errlen)
{
    static const char *const severities[] = {"critical", "high", "medium", "low", NULL};
    static const char *const sources[] = {"github", "alertmanager", NULL};
    const char *key;
    json_t *v;

    if (!json_is_object(match))
        return fail(err, errlen, path, where, "match: must be an object of glob lists");
    json_object_foreach(match, key, v) {
        int m = 0;
        while (m < M_COUNT && strcmp(key, match_names[m]) != 0)
            m++;
        if (m == M_COUNT)
            return fail(err, errlen, path, where,
                        "match.%s: unknown field (component, severity, source)", key);
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 64)
            return fail(err, errlen, path, where, "match.%s: must be a list of 1 to 64 globs", key);
        if ((r->match[m].items = calloc(json_array_size(v), sizeof(char *))) == NULL)
            return fail(err, errlen, path, where, "out of memory");
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *g = json_string_value(json_array_get(v, i));
            if (g == NULL || *g == '\0' || strlen(g) > 200)
                return fail(err, errlen, path, where, "match.%s[%zu]: must be a non-empty string "
                            "of at most 200 bytes", key, i);
            if (m == M_SEVERITY && !has_glob(g) && !known(g, severities))
                return fail(err, errlen, path, where,
                            "match.severity: '%s' is not critical, high, medium or low", g);
            if (m == M_SOURCE && !has_glob(g) && !known(g, sources))
                return fail(err, errlen, path, where,
                            "match.source: '%s' is not github or alertmanager", g);
            if ((r->match[m].items[r->match[m].n++] = strdup(g)) == NULL)
                return fail(err, errlen, path, where, "out of memory");
        }
    }
    return 0;
}

/* A routing key file: one line, trailing newline stripped, at most 8 KiB. */
static char *
read_key(const char *file, char *why, size_t whylen)
{
    char buf[8192];
    FILE *f = fopen(file, "rb");
    size_t n;

    if (f == NULL) {
        snprintf(why, whylen, "cannot read %s: %s", file, strerror(errno));
        return NULL;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    int too_long = !feof(f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (too_long || n == 0 || strlen(buf) != n || strpbrk(buf, "\n\r\t \"\\") != NULL) {
        snprintf(why, whylen, "%s: must hold one routing key (no spaces, quotes or NUL)", file);
        return NULL;
    }
    return strdup(buf);
}

static int
channel_ok(const char *c)
{
    size_t n = strlen(c);
    if (n == 0 || n > 80)
        return 0;
    for (; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '#' || *c == '-' || *c == '_' || *c == '.'))
            return 0;
    return 1;
}

static int
is_calendar_field(const char *key)
{
    return strcmp(key, "timezone") == 0 || strcmp(key, "business_hours") == 0 ||
           strcmp(key, "holidays") == 0;
}

/* The calendar of a route or the default: the global one with the fields it gives. */
static int
parse_calendar(json_t *obj, struct route *r, const struct gw_routes_calendars *cals,
               const char *path, const char *where, char *err, size_t errlen)
{
    json_t *zone = json_object_get(obj, "timezone"), *hours = json_object_get(obj, "business_hours");
    json_t *holidays = json_object_get(obj, "holidays"), *day;
    char why[400];
    size_t i;

    if (cals == NULL) {
        if (zone != NULL || hours != NULL || holidays != NULL)
            return fail(err, errlen, path, where, "%s: no calendar can be read here",
                        zone != NULL ? "timezone" : hours != NULL ? "business_hours" : "holidays");
        return 0;
    }
    if (gw_calendar_copy(&r->calendar, cals->global) != 0)
        return fail(err, errlen, path, where, "out of memory");
    r->has_calendar = 1;
    if (zone != NULL) {
        if (json_string_value(zone) == NULL)
            return fail(err, errlen, path, where, "timezone: must be a string");
        if ((r->tz = cals->load_zone(json_string_value(zone), why, sizeof(why))) == NULL)
            return fail(err, errlen, path, where, "timezone: %s", why);
        r->calendar.tz = r->tz;
    }
    if (hours != NULL) {
        if (json_string_value(hours) == NULL)
            return fail(err, errlen, path, where, "business_hours: must be a string");
        if (gw_calendar_parse_hours(&r->calendar, json_string_value(hours), why, sizeof(why)) != 0)
            return fail(err, errlen, path, where, "business_hours: %s", why);
        r->own_hours = 1;
    }
    if (holidays != NULL) {
        if (!json_is_array(holidays) || json_array_size(holidays) > 1000)
            return fail(err, errlen, path, where,
                        "holidays: must be a list of at most 1000 dates \"YYYY-MM-DD\"");
        gw_calendar_clear(&r->calendar);
        json_array_foreach(holidays, i, day) {
            const char *text = json_string_value(day);
            if (text == NULL || strchr(text, ',') != NULL || *text == '\0')
                return fail(err, errlen, path, where, "holidays[%zu]: must be one date "
                            "\"YYYY-MM-DD\"", i);
            if (gw_calendar_parse_holidays(&r->calendar, text, why, sizeof(why)) != 0)
                return fail(err, errlen, path, where, "holidays[%zu]: %s", i, why);
        }
        r->own_holidays = 1;
    }
    return 0;
}

/* The destination fields of a route or the default. */
static int
parse_destination(json_t *obj, struct route *r, int is_default,
                  const struct gw_routes_calendars *cals, const char *path, const char *where,
                  char *err, size_t errlen)
{
    const char *key, *channel = NULL, *inline_key = NULL, *key_file = NULL;
    char why[300];
    json_t *v;

    json_object_foreach(obj, key, v) {
        if (strcmp(key, "slack_channel") == 0)
            channel = json_string_value(v);
        else if (strcmp(key, "pager_routing_key") == 0)
            inline_key = json_string_value(v);
        else if (strcmp(key, "pager_routing_key_file") == 0)
            key_file = json_string_value(v);
        else if ((!is_default && (strcmp(key, "name") == 0 || strcmp(key, "match") == 0)) ||
                 is_calendar_field(key))
            continue;
        else
            return fail(err, errlen, path, where, "%s: unknown field (%s%s)", key,
                        is_default ? "" : "name, match, ",
                        "slack_channel, pager_routing_key, pager_routing_key_file, timezone, "
                        "business_hours, holidays");
        if (json_string_value(v) == NULL)
            return fail(err, errlen, path, where, "%s: must be a string", key);
    }
    if (channel != NULL && !channel_ok(channel))
        return fail(err, errlen, path, where, "slack_channel: '%s' is not a channel ID or #name "
                    "(letters, digits, # - _ ., at most 80)", channel);
    if (inline_key != NULL && key_file != NULL)
        return fail(err, errlen, path, where,
                    "set only one of pager_routing_key and pager_routing_key_file");
    if (inline_key != NULL && (*inline_key == '\0' || strpbrk(inline_key, " \t\r\n\"\\")))
        return fail(err, errlen, path, where, "pager_routing_key: empty or holds blanks/quotes");
    if (channel != NULL && (r->slack_channel = strdup(channel)) == NULL)
        return fail(err, errlen, path, where, "out of memory");
    if (inline_key != NULL && (r->pager_key = strdup(inline_key)) == NULL)
        return fail(err, errlen, path, where, "out of memory");
    if (key_file != NULL && (r->pager_key = read_key(key_file, why, sizeof(why))) == NULL)
        return fail(err, errlen, path, where, "pager_routing_key_file: %s", why);
    return parse_calendar(obj, r, cals, path, where, err, errlen);
}

static int
parse(json_t *root, struct gw_routes *out, const char *path, const char *fallback_channel,
      const char *fallback_key, const struct gw_routes_calendars *cals, char *err, size_t errlen)
{
    json_t *routes = json_object_get(root, "routes"), *def = json_object_get(root, "default");
    const char *key;
    char where[320];
    json_t *v;

    if (!json_is_object(root))
        return fail(err, errlen, path, "top level", "must be an object {\"routes\":[…],\"default\":{…}}");
    json_object_foreach(root, key, v)
        if (strcmp(key, "routes") != 0 && strcmp(key, "default") != 0)
            return fail(err, errlen, path, "top level", "%s: unknown field (routes, default)", key);
    if (routes != NULL && (!json_is_array(routes) || json_array_size(routes) > GW_ROUTES_MAX))
        return fail(err, errlen, path, "routes", "must be a list of at most %d routes",
                    GW_ROUTES_MAX);
    if (def != NULL && !json_is_object(def))
        return fail(err, errlen, path, "default", "must be an object");
    if ((out->def.name = strdup(GW_ROUTE_DEFAULT)) == NULL)
        return fail(err, errlen, path, "default", "out of memory");
    /* Without a "default" object (NULL: no fields) the default still gets its calendar. */
    if (parse_destination(def, &out->def, 1, cals, path, "default", err, errlen) != 0)
        return -1;
    if (out->def.slack_channel == NULL && fallback_channel != NULL &&
        (out->def.slack_channel = strdup(fallback_channel)) == NULL)
        return fail(err, errlen, path, "default", "out of memory");
    if (out->def.pager_key == NULL && fallback_key != NULL &&
        (out->def.pager_key = strdup(fallback_key)) == NULL)
        return fail(err, errlen, path, "default", "out of memory");
    out->routes = calloc(json_array_size(routes) + 1, sizeof(*out->routes));
    if (out->routes == NULL)
        return fail(err, errlen, path, "routes", "out of memory");
    for (size_t i = 0; i < json_array_size(routes); i++) {
        json_t *r = json_array_get(routes, i), *name, *match;
        struct route *dst = &out->routes[out->n++];

        name = json_object_get(r, "name");
        snprintf(where, sizeof(where), "routes[%zu]", i);
        if (!json_is_object(r))
            return fail(err, errlen, path, where, "must be an object");
        if (name != NULL) {
            const char *s = json_string_value(name);
            if (s == NULL || *s == '\0' || strlen(s) > 64 || strcmp(s, GW_ROUTE_DEFAULT) == 0 ||
                strpbrk(s, "\"\\\n\r\t") != NULL)
                return fail(err, errlen, path, where, "name: must be 1 to 64 characters, "
                            "no quotes or control characters, not \"default\"");
            snprintf(where, sizeof(where), "routes[%zu] (%s)", i, s);
            for (size_t j = 0; j + 1 < out->n; j++)
                if (strcmp(out->routes[j].name, s) == 0)
                    return fail(err, errlen, path, where, "name: routes[%zu] has it too", j);
        }
        if ((dst->name = strdup(name != NULL ? json_string_value(name) : where)) == NULL)
            return fail(err, errlen, path, where, "out of memory");
        if (parse_destination(r, dst, 0, cals, path, where, err, errlen) != 0)
            return -1;
        if ((match = json_object_get(r, "match")) != NULL &&
            parse_match(match, dst, path, where, err, errlen) != 0)
            return -1;
        if (dst->slack_channel == NULL && dst->pager_key == NULL)
            return fail(err, errlen, path, where,
                        "no destination: set slack_channel and/or a pager routing key");
    }
    return 0;
}

struct gw_routes *
gw_routes_load(const char *path, const char *fallback_channel, const char *fallback_key,
               const struct gw_routes_calendars *calendars, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    struct gw_routes *r;

    if (root == NULL) {
        if (jerr.line > 0)
            snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        else
            snprintf(err, errlen, "%s: %s", path, jerr.text);
        return NULL;
    }
    if ((r = calloc(1, sizeof(*r))) == NULL ||
        parse(root, r, path, fallback_channel, fallback_key, calendars, err, errlen) != 0) {
        if (r == NULL)
            snprintf(err, errlen, "%s: out of memory", path);
        gw_routes_free(r);
        json_decref(root);
        return NULL;
    }
    json_decref(root);
    return r;
}

static int
list_matches(const struct gw_strlist *globs, const char *value)
{
    if (globs->n == 0)
        return 1;
    for (size_t i = 0; i < globs->n; i++)
        if (fnmatch(globs->items[i], value != NULL ? value : "", 0) == 0)
            return 1;
    return 0;
}

/* A route's own fields, with the default's where it has none. */
static struct gw_destination
destination(const struct gw_routes *r, const struct route *route)
{
    return (struct gw_destination){
        route->name,
        route->slack_channel != NULL ? route->slack_channel : r->def.slack_channel,
        route->pager_key != NULL ? route->pager_key : r->def.pager_key,
        route->has_calendar ? &route->calendar : NULL};
}

struct gw_destination
gw_routes_ticket(const struct gw_routes *r, const char *component, const char *severity,
                 const char *source)
{
    const char *values[M_COUNT] = {component, severity, source};

    if (r == NULL)
        return (struct gw_destination){GW_ROUTE_DEFAULT, NULL, NULL, NULL};
    for (size_t i = 0; i < r->n; i++) {
        int m = 0;
        while (m < M_COUNT && list_matches(&r->routes[i].match[m], values[m]))
            m++;
        if (m == M_COUNT)
            return destination(r, &r->routes[i]);
    }
    return destination(r, &r->def);
}

int
gw_routes_has(const struct gw_routes *r, const char *name)
{
    if (strcmp(name, GW_ROUTE_DEFAULT) == 0)
        return 1;
    for (size_t i = 0; r != NULL && i < r->n; i++)
        if (strcmp(r->routes[i].name, name) == 0)
            return 1;
    return 0;
}

struct gw_destination
gw_routes_canary(const struct gw_routes *r, const char *service)
{
    if (r == NULL)
        return (struct gw_destination){GW_ROUTE_DEFAULT, NULL, NULL, NULL};
    for (size_t i = 0; i < r->n; i++) {
        const struct route *route = &r->routes[i];
        if (route->match[M_SEVERITY].n == 0 && route->match[M_SOURCE].n == 0 &&
            list_matches(&route->match[M_COMPONENT], service))
            return destination(r, route);
    }
    return destination(r, &r->def);
}

const char *
gw_routes_default_channel(const struct gw_routes *r)
{
    return r->def.slack_channel;
}

size_t
gw_routes_channels(const struct gw_routes *r, const char **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; r != NULL && i <= r->n; i++) {
        const char *c = i < r->n ? destination(r, &r->routes[i]).slack_channel : r->def.slack_channel;
        size_t j = 0;
        if (c == NULL)
            continue;
        while (j < n && strcmp(out[j], c) != 0)
            j++;
        if (j == n && n < max)
            out[n++] = c;
    }
    return n;
}

static void
print_one(const struct gw_routes *r, const struct route *route, FILE *out)
{
    struct gw_destination d = destination(r, route);

    fprintf(out, "    %-16s", route->name);
    for (int m = 0; m < M_COUNT; m++) {
        if (route->match[m].n == 0)
            continue;
        fprintf(out, " %s=", match_names[m]);
        for (size_t i = 0; i < route->match[m].n; i++)
            fprintf(out, "%s%s", i ? "," : "", route->match[m].items[i]);
    }
    if (route == &r->def)
        fprintf(out, " (everything else)");
    fprintf(out, " -> slack %s, pager %s", d.slack_channel ? d.slack_channel : "(none)",
            d.pager_key ? (route->pager_key ? "key set" : "default key") : "(none)");
    if (route->tz != NULL || route->own_hours || route->own_holidays)
        fprintf(out, ", calendar %s%s%s", gw_tz_name(route->calendar.tz),
                route->own_hours ? " with its own hours" : "",
                route->own_holidays ? (route->own_hours ? " and holidays" : " with its own holidays")
                                    : "");
    fputc('\n', out);
}

void
gw_routes_print(const struct gw_routes *r, FILE *out)
{
    for (size_t i = 0; i < r->n; i++)
        print_one(r, &r->routes[i], out);
    print_one(r, &r->def, out);
}
