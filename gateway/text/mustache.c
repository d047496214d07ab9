/*
 * The template set (adding, loading, lookup) and the renderer; compiling
 * lives in text/mustache_parse.c, escaping in text/escape.c.
 */
#include "gateway/text/mustache.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/hmac.h"
#include "gateway/text/mustache_parse.h"
#include "gateway/util/buf.h"
#include "gateway/util/parse.h"

/* Keeps rendering any input off a deep stack. */
#define MAX_PARTIAL_DEPTH 64    /* partials rendering inside partials */
/*
 * Partials can still fan out exponentially within that depth, so a render
 * also has a budget: GW_RENDER_BUDGET units of work (mustache.h) and this
 * many bytes written.
 */
#define MAX_RENDER_OUTPUT (16u << 20)

static const char TEMPLATE_SUFFIX[] = ".mustache";

/* ---- The set ------------------------------------------------------------ */

struct template {
    char *name;
    struct gw_mustache_code code;
};

struct gw_templates {
    struct template *items;
    size_t n, cap;
};

static void
template_clear(struct template *t)
{
    free(t->name);
    gw_mustache_code_clear(&t->code);
    t->name = NULL;
}

static struct template *
find_template(const struct gw_templates *set, const char *name, size_t len)
{
    for (size_t i = 0; i < set->n; i++)
        if (strncmp(set->items[i].name, name, len) == 0 && set->items[i].name[len] == '\0')
            return &set->items[i];
    return NULL;
}

struct gw_templates *
gw_templates_new(void)
{
    return calloc(1, sizeof(struct gw_templates));
}

void
gw_templates_free(struct gw_templates *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        template_clear(&set->items[i]);
    free(set->items);
    free(set);
}

void
gw_templates_digest(const struct gw_templates *set, char *out)
{
    const char **parts = calloc(set->n + 1, sizeof(*parts));
    size_t *lens = calloc(set->n + 1, sizeof(*lens));

    *out = '\0';
    if (parts != NULL && lens != NULL) {
        for (size_t i = 0; i < set->n; i++) {
            parts[i] = set->items[i].code.source;
            lens[i] = strlen(parts[i]);
        }
        gw_sha256_prefix((const char *const *)parts, lens, set->n, out);
    }
    free(parts);
    free(lens);
}

void
gw_templates_swap(struct gw_templates *a, struct gw_templates *b)
{
    struct gw_templates t = *a;
    *a = *b;
    *b = t;
}

int
gw_templates_has(const struct gw_templates *set, const char *name)
{
    return find_template(set, name, strlen(name)) != NULL;
}

int
gw_templates_add(struct gw_templates *set, const char *name, const char *source,
    const char *filename, char *err, size_t errlen)
{
    const char *file = filename != NULL ? filename : name;
    struct template t = {0}, *slot;
    int rc = -1;

    if ((t.name = strdup(name)) == NULL) {
        gw_fail(err, errlen, "%s:1: out of memory", file);
        goto done;
    }
    if (gw_mustache_parse(&t.code, source, file, err, errlen) != 0)
        goto done;
    if ((slot = find_template(set, name, strlen(name))) != NULL) {
        template_clear(slot);
    } else {
        struct template *items = gw_grow(set->items, &set->cap, set->n + 1, sizeof(*items));
        if (items == NULL) {
            gw_fail(err, errlen, "%s:1: out of memory", file);
            goto done;
        }
        set->items = items;
        slot = &items[set->n++];
    }
    *slot = t;
    t = (struct template){0};
    rc = 0;
done:
    template_clear(&t);
    return rc;
}

static int
is_template_file(const struct dirent *d)
{
    size_t len = strlen(d->d_name), suffix = sizeof(TEMPLATE_SUFFIX) - 1;

    return len > suffix && strcmp(d->d_name + len - suffix, TEMPLATE_SUFFIX) == 0;
}

static int
load_file(struct gw_templates *set, const char *dir, const char *file, char *err, size_t errlen)
{
    size_t pathlen = strlen(dir) + strlen(file) + 2, got;
    char *path = malloc(pathlen), *source = NULL, chunk[4096];
    char *name = strndup(file, strlen(file) - (sizeof(TEMPLATE_SUFFIX) - 1));
    struct gw_buf text = {0};
    FILE *f = NULL;
    int rc = -1, oom = 0;

    if (path == NULL || name == NULL) {
        gw_fail(err, errlen, "%s: out of memory", dir);
        goto done;
    }
    snprintf(path, pathlen, "%s/%s", dir, file);
    if ((f = fopen(path, "rb")) == NULL) {
        gw_fail(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    while (!oom && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        oom = gw_buf_add(&text, chunk, got) < 0;
    if (ferror(f)) {
        gw_fail(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    got = text.len;
    if (oom || (source = gw_buf_take(&text)) == NULL) {
        gw_fail(err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (strlen(source) != got) {
        gw_fail(err, errlen, "%s: holds a NUL byte", path);
        goto done;
    }
    rc = gw_templates_add(set, name, source, path, err, errlen);
done:
    if (f != NULL)
        fclose(f);
    free(text.p);
    free(source);
    free(name);
    free(path);
    return rc;
}

int
gw_templates_load_dir(struct gw_templates *set, const char *dir, char *err, size_t errlen)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, is_template_file, alphasort), rc = 0;

    if (n < 0) {
        gw_fail(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n && rc == 0; i++)
        rc = load_file(set, dir, list[i]->d_name, err, errlen);
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return rc;
}

/* ---- Rendering ---------------------------------------------------------- */

/* The context stack, innermost first; frames live on the C stack. */
struct frame {
    json_t *value;
    const struct frame *up;
};

/* Indentation of nested standalone partials, innermost first. */
struct indent {
    struct gw_mustache_span ws;
    const struct indent *outer;
};

struct render {
    const struct gw_templates *set;
    enum gw_escape esc;
    struct gw_buf out;
    int failed;                 /* out of memory or past the budget: out is dropped */
    unsigned partial_depth;
    size_t work;                /* units of work spent, against GW_RENDER_BUDGET */
};

/*
 * Spends units of work: every unit of the render's work goes through here
 * (a node visited, a context frame or name part searched, a list item, a
 * template compared when a partial is looked up, an indentation level
 * written). 0 once the render is past its budget (or failed).
 */
static int
spend(struct render *r, size_t units)
{
    if (r->failed)
        return 0;
    r->work += units;
    if (r->work > GW_RENDER_BUDGET || r->out.len > MAX_RENDER_OUTPUT)
        r->failed = 1;
    return !r->failed;
}

/* Appends s[0..n) to the output; after a failure every append is a no-op. */
static void
emit(struct render *r, const char *s, size_t n)
{
    if (!r->failed && gw_buf_add(&r->out, s, n) < 0)
        r->failed = 1;
}

static void
emit_escaped(struct render *r, const char *s, size_t n, enum gw_escape esc)
{
    if (!r->failed && gw_escape_append(&r->out, s, n, esc) < 0)
        r->failed = 1;
}

/* Spec lookup: the first part in the innermost object that has it, the rest strictly inside. */
static json_t *
lookup(struct render *r, const struct gw_mustache_code *t, const struct gw_mustache_node *n,
    const struct frame *ctx)
{
    const struct gw_mustache_span *part;
    json_t *v = NULL;

    if (n->n_parts == 0)
        return ctx->value;
    part = &t->parts[n->first_part];
    for (; ctx != NULL && v == NULL && spend(r, 1); ctx = ctx->up)
        if (json_is_object(ctx->value))
            v = json_object_getn(ctx->value, part[0].s, part[0].len);
    for (size_t i = 1; i < n->n_parts && v != NULL && spend(r, 1); i++)
        v = json_is_object(v) ? json_object_getn(v, part[i].s, part[i].len) : NULL;
    return r->failed ? NULL : v;
}

static int
truthy(json_t *v)
{
    if (v == NULL)
        return 0;
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE:
        return 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    default:
        return 1;
    }
}

/* Shortest "%g" form that reads back as d: 1.21 rather than 1.2099999999999999. */
static void
format_real(char *out, size_t size, double d)
{
    for (int prec = 1; prec < 17; prec++) {
        snprintf(out, size, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
    snprintf(out, size, "%.17g", d);
}

static void
add_value(struct render *r, json_t *v, enum gw_escape esc)
{
    char num[40];

    if (v == NULL)
        return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        emit_escaped(r, json_string_value(v), json_string_length(v), esc);
        return;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        format_real(num, sizeof(num), json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(num, sizeof(num), "true");
        break;
    case JSON_FALSE:
        snprintf(num, sizeof(num), "false");
        break;
    default:
        return;
    }
    emit(r, num, strlen(num));
}

/* The indentation of enclosing standalone partials, outermost first: one unit a level. */
static void
add_indent(struct render *r, const struct indent *ind)
{
    if (ind == NULL || !spend(r, 1))
        return;
    add_indent(r, ind->outer);
    emit(r, ind->ws.s, ind->ws.len);
}

static void render_nodes(struct render *r, const struct gw_mustache_code *t, size_t i, size_t end,
    const struct frame *ctx, const struct indent *ind);

static void
render_section(struct render *r, const struct gw_mustache_code *t, size_t i,
    const struct frame *ctx, const struct indent *ind)
{
    const struct gw_mustache_node *n = &t->nodes[i];
    json_t *v = lookup(r, t, n, ctx);
    struct frame f = {v, ctx};

    if (!truthy(v))
        return;
    if (!json_is_array(v)) {
        render_nodes(r, t, i + 1, n->end, &f, ind);
        return;
    }
    for (size_t k = 0; k < json_array_size(v) && spend(r, 1); k++) {
        f.value = json_array_get(v, k);
        render_nodes(r, t, i + 1, n->end, &f, ind);
    }
}

static void
render_partial(struct render *r, const struct gw_mustache_node *n, const struct frame *ctx,
    const struct indent *ind)
{
    const struct template *p;
    struct indent inner = {n->indent, ind};

    if (!spend(r, r->set->n))   /* find_template compares names */
        return;
    p = find_template(r->set, n->text.s, n->text.len);
    if (p == NULL || r->partial_depth == MAX_PARTIAL_DEPTH)
        return;
    r->partial_depth++;
    render_nodes(r, &p->code, 0, p->code.n_nodes, ctx, n->standalone ? &inner : NULL);
    r->partial_depth--;
}

static void
render_nodes(struct render *r, const struct gw_mustache_code *t, size_t i, size_t end,
    const struct frame *ctx, const struct indent *ind)
{
    while (i < end) {
        const struct gw_mustache_node *n = &t->nodes[i];
        if (!spend(r, 1))
            return;
        switch (n->type) {
        case GW_NODE_TEXT:
            emit(r, n->text.s, n->text.len);
            break;
        case GW_NODE_INDENT:
            add_indent(r, ind);
            break;
        case GW_NODE_VAR:
            add_value(r, lookup(r, t, n, ctx), r->esc);
            break;
        case GW_NODE_RAW:
            add_value(r, lookup(r, t, n, ctx), GW_ESCAPE_NONE);
            break;
        case GW_NODE_SECTION:
            render_section(r, t, i, ctx, ind);
            i = n->end;
            continue;
        case GW_NODE_INVERTED:
            if (!truthy(lookup(r, t, n, ctx)) && !r->failed)
                render_nodes(r, t, i + 1, n->end, ctx, ind);
            i = n->end;
            continue;
        case GW_NODE_PARTIAL:
            render_partial(r, n, ctx, ind);
            break;
        }
        i++;
    }
}

char *
gw_templates_render_work(const struct gw_templates *set, const char *name, json_t *context,
    enum gw_escape esc, size_t *work)
{
    const struct template *t = find_template(set, name, strlen(name));
    struct render r = {.set = set, .esc = esc};
    struct frame root = {context, NULL};

    if (t != NULL)
        render_nodes(&r, &t->code, 0, t->code.n_nodes, &root, NULL);
    if (work != NULL)
        *work = r.work;
    if (t == NULL || r.failed) {
        free(r.out.p);
        return NULL;
    }
    return gw_buf_take(&r.out);
}

char *
gw_templates_render(const struct gw_templates *set, const char *name, json_t *context,
    enum gw_escape esc)
{
    return gw_templates_render_work(set, name, context, esc, NULL);
}
