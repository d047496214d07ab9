#include "gateway/mustache.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep compiling and rendering any input off a deep stack. */
#define MAX_NESTING 64          /* sections open at once inside one template */
#define MAX_PARTIAL_DEPTH 64    /* partials rendering inside partials */
/* Partials can still fan out exponentially within that depth, so a render also has a budget. */
#define MAX_RENDER_STEPS 4000000        /* nodes visited */
#define MAX_RENDER_OUTPUT (16u << 20)   /* bytes written */

#define NOT_FOUND SIZE_MAX
/* Names quoted in error messages are cut so a huge tag cannot flood the log. */
#define QUOTE_LEN(len) ((int)((len) > 80 ? 80 : (len)))

static const char TEMPLATE_SUFFIX[] = ".mustache";

enum node_type {
    NODE_TEXT,      /* literal text */
    NODE_INDENT,    /* start of a source line: a standalone partial's indentation goes here */
    NODE_VAR,       /* {{name}}: escaped */
    NODE_RAW,       /* {{{name}}}, {{&name}}: never escaped */
    NODE_SECTION,   /* {{#name}}: children follow up to `end` */
    NODE_INVERTED,  /* {{^name}}: children follow up to `end` */
    NODE_PARTIAL    /* {{>name}} */
};

struct span {
    const char *s;
    size_t len;
};

/* Templates compile to a flat node array: a section's children are the nodes between it and `end`. */
struct node {
    enum node_type type;
    struct span text;      /* TEXT: the text; any tag: its trimmed name */
    size_t first_part;     /* VAR..INVERTED: the dotted name's parts in template.parts */
    size_t n_parts;        /* 0 for the implicit iterator "." */
    size_t end;            /* SECTION, INVERTED: index just past the last child */
    int standalone;        /* PARTIAL: alone on its line, so each line it writes gets... */
    struct span indent;    /* ...the blanks before the tag (after enclosing partials' own) */
};

struct template {
    char *name;
    char *source;          /* every span of the template points into this copy */
    struct node *nodes;
    size_t n_nodes, cap_nodes;
    struct span *parts;
    size_t n_parts, cap_parts;
};

struct gw_templates {
    struct template *items;
    size_t n, cap;
};

struct compiler;

/* Growable output; after a failed allocation every append is a no-op. */
struct buf {
    char *p;
    size_t len, cap;
    int failed;
};

static void errorf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct compiler *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errorf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Returns items with room for element n (moved if needed), or NULL with items untouched. */
static void *
grow(void *items, size_t *cap, size_t n, size_t size)
{
    size_t ncap = *cap != 0 ? *cap * 2 : 16;
    void *p;

    if (n < *cap)
        return items;
    if (ncap > SIZE_MAX / size || (p = realloc(items, ncap * size)) == NULL)
        return NULL;
    *cap = ncap;
    return p;
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->cap - b->len <= n) {         /* keep one byte for the NUL */
        size_t ncap = b->cap != 0 ? b->cap : 256;
        char *p;
        while (ncap - b->len <= n) {
            if (ncap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            ncap *= 2;
        }
        if ((p = realloc(b->p, ncap)) == NULL) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Hands the NUL-terminated text to the caller (NULL if an append failed); b owns nothing after. */
static char *
buf_finish(struct buf *b)
{
    char *out;

    if (!b->failed && b->p == NULL && (b->p = malloc(1)) == NULL)
        b->failed = 1;
    if (b->failed) {
        free(b->p);
        out = NULL;
    } else {
        b->p[b->len] = '\0';
        out = b->p;
    }
    b->p = NULL;
    return out;
}

static const char *
entity(char c, enum gw_escape esc)
{
    if (esc == GW_ESCAPE_NONE)
        return NULL;
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return esc == GW_ESCAPE_SLACK ? NULL : "&quot;";
    case '\'':
        return esc == GW_ESCAPE_XML ? "&apos;" : NULL;
    default:
        return NULL;
    }
}

static void
buf_add_escaped(struct buf *b, const char *s, size_t n, enum gw_escape esc)
{
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        const char *e = entity(s[i], esc);
        if (e == NULL)
            continue;
        buf_add(b, s + run, i - run);
        buf_add(b, e, strlen(e));
        run = i + 1;
    }
    buf_add(b, s + run, n - run);
}

char *
gw_escape_text(const char *s, size_t len, enum gw_escape esc)
{
    struct buf b = {0};

    buf_add_escaped(&b, s, len, esc);
    return buf_finish(&b);
}

/* ---- Compiling ---------------------------------------------------------- */

struct compiler {
    struct template *t;
    const char *src;
    size_t len;
    const char *file;
    char *err;
    size_t errlen;
    struct span otag, ctag;            /* current delimiters */
    size_t line_pos;                   /* src[line_pos] is on line `line` */
    unsigned line;
    size_t open[MAX_NESTING];          /* node index of each open section */
    unsigned open_line[MAX_NESTING];
    size_t depth;
};

static int
fail(struct compiler *c, unsigned line, const char *fmt, ...)
{
    char reason[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    errorf(c->err, c->errlen, "%s:%u: %s", c->file, line, reason);
    return -1;
}

/* 1-based line of src[pos]; pos never decreases between calls. */
static unsigned
line_at(struct compiler *c, size_t pos)
{
    for (; c->line_pos < pos; c->line_pos++)
        if (c->src[c->line_pos] == '\n')
            c->line++;
    return c->line;
}

static int
is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int
is_space(char ch)
{
    return is_blank(ch) || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

static struct span
trim(const char *s, size_t len)
{
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    return (struct span){s, len};
}

static int
has_space(struct span sp)
{
    for (size_t i = 0; i < sp.len; i++)
        if (is_space(sp.s[i]))
            return 1;
    return 0;
}

/* src[p] begins a non-empty source line: where partial indentation applies. */
static int
starts_line(const struct compiler *c, size_t p)
{
    return (p == 0 || c->src[p - 1] == '\n') && c->src[p] != '\n';
}

static struct node *
add_node(struct compiler *c, enum node_type type, struct span text)
{
    struct template *t = c->t;
    struct node *nodes = grow(t->nodes, &t->cap_nodes, t->n_nodes, sizeof(*nodes));

    if (nodes == NULL)
        return NULL;
    t->nodes = nodes;
    nodes[t->n_nodes] = (struct node){.type = type, .text = text};
    return &nodes[t->n_nodes++];
}

/* Adds src[a..b) as text, with an INDENT node at the start of every source line in it. */
static int
add_text(struct compiler *c, size_t a, size_t b, unsigned line)
{
    size_t seg = a;

    for (size_t p = a; p < b; p++) {
        if (!starts_line(c, p))
            continue;
        if ((p > seg && add_node(c, NODE_TEXT, (struct span){c->src + seg, p - seg}) == NULL) ||
            add_node(c, NODE_INDENT, (struct span){NULL, 0}) == NULL)
            return fail(c, line, "out of memory");
        seg = p;
    }
    if (b > seg && add_node(c, NODE_TEXT, (struct span){c->src + seg, b - seg}) == NULL)
        return fail(c, line, "out of memory");
    return 0;
}

/* Splits name into dotted parts for n: "." has none, "a.b" has two. */
static int
add_name(struct compiler *c, struct node *n, unsigned line)
{
    struct template *t = c->t;
    struct span name = n->text;
    const char *p = name.s, *end = name.s + name.len;

    if (name.len == 0)
        return fail(c, line, "empty tag name");
    n->first_part = t->n_parts;
    if (name.len == 1 && name.s[0] == '.')
        return 0;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        struct span part = {p, (size_t)((dot != NULL ? dot : end) - p)};
        struct span *parts;
        if (part.len == 0 || has_space(part))
            return fail(c, line, "bad name '%.*s'", QUOTE_LEN(name.len), name.s);
        if ((parts = grow(t->parts, &t->cap_parts, t->n_parts, sizeof(*parts))) == NULL)
            return fail(c, line, "out of memory");
        t->parts = parts;
        parts[t->n_parts++] = part;
        n->n_parts++;
        if (dot == NULL)
            return 0;
        p = dot + 1;
    }
}

/* First occurrence of needle in src[from..len), or NULL (memmem is a GNU extension). */
static const char *
find_from(const struct compiler *c, size_t from, struct span needle)
{
    const char *p = c->src + from, *end = c->src + c->len;

    while ((size_t)(end - p) >= needle.len) {
        if ((p = memchr(p, needle.s[0], (size_t)(end - p) - needle.len + 1)) == NULL)
            return NULL;
        if (memcmp(p, needle.s, needle.len) == 0)
            return p;
        p++;
    }
    return NULL;
}

/*
 * The closing delimiter of a tag whose content starts at `from`, preceded by
 * `sigil` unless it is NUL ("}" for {{{x}}}, "=" for {{=a b=}}). Returns
 * where the content ends, or NOT_FOUND.
 */
static size_t
find_close(const struct compiler *c, size_t from, char sigil)
{
    size_t p = from;
    const char *q;

    while ((q = find_from(c, p, c->ctag)) != NULL) {
        size_t at = (size_t)(q - c->src);
        if (sigil == '\0')
            return at;
        if (at > from && c->src[at - 1] == sigil)
            return at - 1;
        p = at + 1;
    }
    return NOT_FOUND;
}

/*
 * A tag that renders nothing is "standalone" when only blanks share its line;
 * then the whole line, newline included, is dropped: [*line_start, *next_line).
 */
static int
standalone(const struct compiler *c, size_t open, size_t tag_end, size_t *line_start,
    size_t *next_line)
{
    size_t a = open, b = tag_end;

    while (a > 0 && is_blank(c->src[a - 1]))
        a--;
    if (a > 0 && c->src[a - 1] != '\n')
        return 0;
    while (b < c->len && is_blank(c->src[b]))
        b++;
    if (b + 1 < c->len && c->src[b] == '\r' && c->src[b + 1] == '\n')
        b += 2;
    else if (b < c->len && c->src[b] == '\n')
        b++;
    else if (b < c->len)
        return 0;
    *line_start = a;
    *next_line = b;
    return 1;
}

/* {{=open close=}}: two delimiters without blanks or "=", used from the next tag on. */
static int
set_delimiters(struct compiler *c, struct span content, unsigned line)
{
    struct span all = trim(content.s, content.len), o, cl;
    size_t i = 0;

    while (i < all.len && !is_space(all.s[i]))
        i++;
    o = (struct span){all.s, i};
    cl = trim(all.s + i, all.len - i);
    if (o.len == 0 || cl.len == 0 || has_space(cl) || memchr(o.s, '=', o.len) != NULL ||
        memchr(cl.s, '=', cl.len) != NULL)
        return fail(c, line, "bad set-delimiter tag '%.*s'", QUOTE_LEN(content.len), content.s);
    c->otag = o;
    c->ctag = cl;
    return 0;
}

static int
open_section(struct compiler *c, enum node_type type, struct span name, unsigned line)
{
    struct node *n;

    if (c->depth == MAX_NESTING)
        return fail(c, line, "sections nested deeper than %d", MAX_NESTING);
    if ((n = add_node(c, type, name)) == NULL)
        return fail(c, line, "out of memory");
    if (add_name(c, n, line) != 0)
        return -1;
    c->open[c->depth] = c->t->n_nodes - 1;
    c->open_line[c->depth++] = line;
    return 0;
}

static int
close_section(struct compiler *c, struct span name, unsigned line)
{
    struct node *n;

    if (c->depth == 0)
        return fail(c, line, "'/%.*s' closes no open section", QUOTE_LEN(name.len), name.s);
    n = &c->t->nodes[c->open[c->depth - 1]];
    if (n->text.len != name.len || memcmp(n->text.s, name.s, name.len) != 0)
        return fail(c, line, "'/%.*s' does not close section '%.*s' opened on line %u",
            QUOTE_LEN(name.len), name.s, QUOTE_LEN(n->text.len), n->text.s,
            c->open_line[c->depth - 1]);
    n->end = c->t->n_nodes;
    c->depth--;
    return 0;
}

/* One tag: its kind is the character after the open delimiter. */
static int
compile_tag(struct compiler *c, char kind, struct span content, struct span indent,
    int alone, unsigned line)
{
    struct span name = trim(content.s, content.len);
    struct node *n;

    switch (kind) {
    case '!':
        return 0;
    case '=':
        return set_delimiters(c, content, line);
    case '#':
        return open_section(c, NODE_SECTION, name, line);
    case '^':
        return open_section(c, NODE_INVERTED, name, line);
    case '/':
        return close_section(c, name, line);
    case '>':
        if (name.len == 0)
            return fail(c, line, "empty partial name");
        if ((n = add_node(c, NODE_PARTIAL, name)) == NULL)
            return fail(c, line, "out of memory");
        n->standalone = alone;
        n->indent = indent;
        return 0;
    default:
        if ((n = add_node(c, kind == '&' || kind == '{' ? NODE_RAW : NODE_VAR, name)) == NULL)
            return fail(c, line, "out of memory");
        return add_name(c, n, line);
    }
}

static int
compile(struct compiler *c)
{
    size_t pos = 0;

    for (;;) {
        const char *o = find_from(c, pos, c->otag);
        size_t open, from, end, tag_end, line_start, next_line;
        struct span indent;
        unsigned line;
        char kind, sigil;
        int alone;

        if (o == NULL)
            break;
        open = (size_t)(o - c->src);
        line = line_at(c, open);
        from = open + c->otag.len;
        kind = c->src[from];                /* the NUL at worst */
        if (kind != '\0' && strchr("!=#^/>&{", kind) != NULL)
            from++;
        else
            kind = 'v';
        sigil = kind == '{' ? '}' : kind == '=' ? '=' : '\0';
        if ((end = find_close(c, from, sigil)) == NOT_FOUND)
            return fail(c, line, "unclosed tag: no '%.*s%.*s'", sigil != '\0', &sigil,
                QUOTE_LEN(c->ctag.len), c->ctag.s);
        tag_end = end + (sigil != '\0') + c->ctag.len;
        alone = strchr("!=#^/>", kind) != NULL &&
            standalone(c, open, tag_end, &line_start, &next_line);
        if (!alone)
            line_start = open;
        indent = (struct span){c->src + line_start, open - line_start};
        if (add_text(c, pos, line_start, line) != 0)
            return -1;
        if (!alone && starts_line(c, open) && add_node(c, NODE_INDENT, (struct span){NULL, 0}) == NULL)
            return fail(c, line, "out of memory");
        if (compile_tag(c, kind, (struct span){c->src + from, end - from}, indent, alone, line) != 0)
            return -1;
        pos = alone ? next_line : tag_end;
    }
    if (add_text(c, pos, c->len, line_at(c, pos)) != 0)
        return -1;
    if (c->depth > 0) {
        struct node *n = &c->t->nodes[c->open[c->depth - 1]];
        return fail(c, c->open_line[c->depth - 1], "unclosed section '%.*s'",
            QUOTE_LEN(n->text.len), n->text.s);
    }
    return 0;
}

/* ---- The set ------------------------------------------------------------ */

static void
template_clear(struct template *t)
{
    free(t->name);
    free(t->source);
    free(t->nodes);
    free(t->parts);
    *t = (struct template){0};
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

int
gw_templates_has(const struct gw_templates *set, const char *name)
{
    return find_template(set, name, strlen(name)) != NULL;
}

int
gw_templates_add(struct gw_templates *set, const char *name, const char *source,
    const char *filename, char *err, size_t errlen)
{
    struct template t = {0}, *slot;
    struct compiler c = {
        .t = &t, .file = filename != NULL ? filename : name, .err = err, .errlen = errlen,
        .otag = {"{{", 2}, .ctag = {"}}", 2}, .line = 1,
    };
    int rc = -1;

    if ((t.name = strdup(name)) == NULL || (t.source = strdup(source)) == NULL) {
        fail(&c, 1, "out of memory");
        goto done;
    }
    c.src = t.source;
    c.len = strlen(t.source);
    if (compile(&c) != 0)
        goto done;
    if ((slot = find_template(set, name, strlen(name))) != NULL) {
        template_clear(slot);
    } else {
        struct template *items = grow(set->items, &set->cap, set->n, sizeof(*items));
        if (items == NULL) {
            fail(&c, 1, "out of memory");
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
    struct buf text = {0};
    FILE *f = NULL;
    int rc = -1;

    if (path == NULL || name == NULL) {
        errorf(err, errlen, "%s: out of memory", dir);
        goto done;
    }
    snprintf(path, pathlen, "%s/%s", dir, file);
    if ((f = fopen(path, "rb")) == NULL) {
        errorf(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&text, chunk, got);
    if (ferror(f)) {
        errorf(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    got = text.len;
    if ((source = buf_finish(&text)) == NULL) {
        errorf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    if (strlen(source) != got) {
        errorf(err, errlen, "%s: holds a NUL byte", path);
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
        errorf(err, errlen, "%s: %s", dir, strerror(errno));
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
    struct span ws;
    const struct indent *outer;
};

struct render {
    const struct gw_templates *set;
    enum gw_escape esc;
    struct buf out;             /* out.failed also marks an exhausted budget */
    unsigned partial_depth;
    size_t steps;
};

/* Spec lookup: the first part in the innermost object that has it, the rest strictly inside. */
static json_t *
lookup(const struct template *t, const struct node *n, const struct frame *ctx)
{
    const struct span *part;
    json_t *v = NULL;

    if (n->n_parts == 0)
        return ctx->value;
    part = &t->parts[n->first_part];
    for (; ctx != NULL && v == NULL; ctx = ctx->up)
        if (json_is_object(ctx->value))
            v = json_object_getn(ctx->value, part[0].s, part[0].len);
    for (size_t i = 1; i < n->n_parts && v != NULL; i++)
        v = json_is_object(v) ? json_object_getn(v, part[i].s, part[i].len) : NULL;
    return v;
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
add_value(struct buf *b, json_t *v, enum gw_escape esc)
{
    char num[40];

    if (v == NULL)
        return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        buf_add_escaped(b, json_string_value(v), json_string_length(v), esc);
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
    buf_add(b, num, strlen(num));
}

static void
add_indent(struct buf *b, const struct indent *ind)
{
    if (ind == NULL)
        return;
    add_indent(b, ind->outer);
    buf_add(b, ind->ws.s, ind->ws.len);
}

static void render_nodes(struct render *r, const struct template *t, size_t i, size_t end,
    const struct frame *ctx, const struct indent *ind);

static void
render_section(struct render *r, const struct template *t, size_t i, const struct frame *ctx,
    const struct indent *ind)
{
    const struct node *n = &t->nodes[i];
    json_t *v = lookup(t, n, ctx);
    struct frame f = {v, ctx};

    if (!truthy(v))
        return;
    if (!json_is_array(v)) {
        render_nodes(r, t, i + 1, n->end, &f, ind);
        return;
    }
    for (size_t k = 0; k < json_array_size(v); k++) {
        f.value = json_array_get(v, k);
        render_nodes(r, t, i + 1, n->end, &f, ind);
    }
}

static void
render_partial(struct render *r, const struct node *n, const struct frame *ctx,
    const struct indent *ind)
{
    const struct template *p = find_template(r->set, n->text.s, n->text.len);
    struct indent inner = {n->indent, ind};

    if (p == NULL || r->partial_depth == MAX_PARTIAL_DEPTH)
        return;
    r->partial_depth++;
    render_nodes(r, p, 0, p->n_nodes, ctx, n->standalone ? &inner : NULL);
    r->partial_depth--;
}

static void
render_nodes(struct render *r, const struct template *t, size_t i, size_t end,
    const struct frame *ctx, const struct indent *ind)
{
    while (i < end) {
        const struct node *n = &t->nodes[i];
        if (r->out.failed || ++r->steps > MAX_RENDER_STEPS || r->out.len > MAX_RENDER_OUTPUT) {
            r->out.failed = 1;
            return;
        }
        switch (n->type) {
        case NODE_TEXT:
            buf_add(&r->out, n->text.s, n->text.len);
            break;
        case NODE_INDENT:
            add_indent(&r->out, ind);
            break;
        case NODE_VAR:
            add_value(&r->out, lookup(t, n, ctx), r->esc);
            break;
        case NODE_RAW:
            add_value(&r->out, lookup(t, n, ctx), GW_ESCAPE_NONE);
            break;
        case NODE_SECTION:
            render_section(r, t, i, ctx, ind);
            i = n->end;
            continue;
        case NODE_INVERTED:
            if (!truthy(lookup(t, n, ctx)))
                render_nodes(r, t, i + 1, n->end, ctx, ind);
            i = n->end;
            continue;
        case NODE_PARTIAL:
            render_partial(r, n, ctx, ind);
            break;
        }
        i++;
    }
}

char *
gw_templates_render(const struct gw_templates *set, const char *name, json_t *context,
    enum gw_escape esc)
{
    const struct template *t = find_template(set, name, strlen(name));
    struct render r = {.set = set, .esc = esc};
    struct frame root = {context, NULL};

    if (t == NULL)
        return NULL;
    render_nodes(&r, t, 0, t->n_nodes, &root, NULL);
    return buf_finish(&r.out);
}
