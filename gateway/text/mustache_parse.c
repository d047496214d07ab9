#include "gateway/text/mustache_parse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/buf.h"
#include "gateway/util/parse.h"

/* Keeps compiling any input off a deep stack: sections open at once inside one template. */
#define MAX_NESTING 64

#define NOT_FOUND SIZE_MAX
/* Names quoted in error messages are cut so a huge tag cannot flood the log. */
#define QUOTE_LEN(len) ((int)((len) > 80 ? 80 : (len)))

struct compiler {
    struct gw_mustache_code *code;      /* what is compiled into */
    const char *src;                    /* code->source */
    size_t len;
    const char *file;
    char *err;
    size_t errlen;
    struct gw_mustache_span otag, ctag; /* current delimiters */
    size_t line_pos;                    /* src[line_pos] is on line `line` */
    unsigned line;
    size_t open[MAX_NESTING];           /* node index of each open section */
    unsigned open_line[MAX_NESTING];
    size_t depth;
};

static int fail(struct compiler *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "file:line: reason" into the caller's err; returns -1. */
static int
fail(struct compiler *c, unsigned line, const char *fmt, ...)
{
    char where[512];
    va_list ap;

    snprintf(where, sizeof(where), "%s:%u", c->file, line);
    va_start(ap, fmt);
    gw_vfail_at(c->err, c->errlen, where, fmt, ap);
    va_end(ap);
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

static struct gw_mustache_span
trim(const char *s, size_t len)
{
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    return (struct gw_mustache_span){s, len};
}

static int
has_space(struct gw_mustache_span sp)
{
    for (size_t i = 0; i < sp.len; i++)
        if (is_space(sp.s[i]))
            return 1;
    return 0;
}

/* src[a..b) */
static struct gw_mustache_span
src_span(const struct compiler *c, size_t a, size_t b)
{
    return (struct gw_mustache_span){c->src + a, b - a};
}

/* src[p] begins a non-empty source line: where partial indentation applies. */
static int
starts_line(const struct compiler *c, size_t p)
{
    return (p == 0 || c->src[p - 1] == '\n') && c->src[p] != '\n';
}

static struct gw_mustache_node *
add_node(struct compiler *c, enum gw_mustache_node_type type, struct gw_mustache_span text)
{
    struct gw_mustache_code *t = c->code;
    struct gw_mustache_node *nodes = gw_grow(t->nodes, &t->cap_nodes, t->n_nodes + 1,
                                             sizeof(*nodes));

    if (nodes == NULL)
        return NULL;
    t->nodes = nodes;
    nodes[t->n_nodes] = (struct gw_mustache_node){.type = type, .text = text};
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
        if ((p > seg && add_node(c, GW_NODE_TEXT, src_span(c, seg, p)) == NULL) ||
            add_node(c, GW_NODE_INDENT, src_span(c, p, p)) == NULL)
            return fail(c, line, "out of memory");
        seg = p;
    }
    if (b > seg && add_node(c, GW_NODE_TEXT, src_span(c, seg, b)) == NULL)
        return fail(c, line, "out of memory");
    return 0;
}

/* Splits name into dotted parts for n: "." has none, "a.b" has two. */
static int
add_name(struct compiler *c, struct gw_mustache_node *n, unsigned line)
{
    struct gw_mustache_code *t = c->code;
    struct gw_mustache_span name = n->text;
    const char *p = name.s, *end = name.s + name.len;

    if (name.len == 0)
        return fail(c, line, "empty tag name");
    n->first_part = t->n_parts;
    if (name.len == 1 && name.s[0] == '.')
        return 0;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        struct gw_mustache_span part = {p, (size_t)((dot != NULL ? dot : end) - p)};
        struct gw_mustache_span *parts;
        if (part.len == 0 || has_space(part))
            return fail(c, line, "bad name '%.*s'", QUOTE_LEN(name.len), name.s);
        if ((parts = gw_grow(t->parts, &t->cap_parts, t->n_parts + 1, sizeof(*parts))) == NULL)
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
find_from(const struct compiler *c, size_t from, struct gw_mustache_span needle)
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
set_delimiters(struct compiler *c, struct gw_mustache_span content, unsigned line)
{
    struct gw_mustache_span all = trim(content.s, content.len), o, cl;
    size_t i = 0;

    while (i < all.len && !is_space(all.s[i]))
        i++;
    o = (struct gw_mustache_span){all.s, i};
    cl = trim(all.s + i, all.len - i);
    if (o.len == 0 || cl.len == 0 || has_space(cl) || memchr(o.s, '=', o.len) != NULL ||
        memchr(cl.s, '=', cl.len) != NULL)
        return fail(c, line, "bad set-delimiter tag '%.*s'", QUOTE_LEN(content.len), content.s);
    c->otag = o;
    c->ctag = cl;
    return 0;
}

static int
open_section(struct compiler *c, enum gw_mustache_node_type type, struct gw_mustache_span name,
    unsigned line)
{
    struct gw_mustache_node *n;

    if (c->depth == MAX_NESTING)
        return fail(c, line, "sections nested deeper than %d", MAX_NESTING);
    if ((n = add_node(c, type, name)) == NULL)
        return fail(c, line, "out of memory");
    if (add_name(c, n, line) != 0)
        return -1;
    c->open[c->depth] = c->code->n_nodes - 1;
    c->open_line[c->depth++] = line;
    return 0;
}

static int
close_section(struct compiler *c, struct gw_mustache_span name, unsigned line)
{
    struct gw_mustache_node *n;

    if (c->depth == 0)
        return fail(c, line, "'/%.*s' closes no open section", QUOTE_LEN(name.len), name.s);
    n = &c->code->nodes[c->open[c->depth - 1]];
    if (n->text.len != name.len || memcmp(n->text.s, name.s, name.len) != 0)
        return fail(c, line, "'/%.*s' does not close section '%.*s' opened on line %u",
            QUOTE_LEN(name.len), name.s, QUOTE_LEN(n->text.len), n->text.s,
            c->open_line[c->depth - 1]);
    n->end = c->code->n_nodes;
    c->depth--;
    return 0;
}

/* One tag: its kind is the character after the open delimiter. */
static int
compile_tag(struct compiler *c, char kind, struct gw_mustache_span content,
    struct gw_mustache_span indent, int alone, unsigned line)
{
    struct gw_mustache_span name = trim(content.s, content.len);
    struct gw_mustache_node *n;

    switch (kind) {
    case '!':
        return 0;
    case '=':
        return set_delimiters(c, content, line);
    case '#':
        return open_section(c, GW_NODE_SECTION, name, line);
    case '^':
        return open_section(c, GW_NODE_INVERTED, name, line);
    case '/':
        return close_section(c, name, line);
    case '>':
        if (name.len == 0)
            return fail(c, line, "empty partial name");
        if ((n = add_node(c, GW_NODE_PARTIAL, name)) == NULL)
            return fail(c, line, "out of memory");
        n->standalone = alone;
        n->indent = indent;
        return 0;
    default:
        if ((n = add_node(c, kind == '&' || kind == '{' ? GW_NODE_RAW : GW_NODE_VAR, name)) == NULL)
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
        struct gw_mustache_span indent;
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
        indent = src_span(c, line_start, open);
        if (add_text(c, pos, line_start, line) != 0)
            return -1;
        if (!alone && starts_line(c, open) &&
            add_node(c, GW_NODE_INDENT, src_span(c, open, open)) == NULL)
            return fail(c, line, "out of memory");
        if (compile_tag(c, kind, src_span(c, from, end), indent, alone, line) != 0)
            return -1;
        pos = alone ? next_line : tag_end;
    }
    if (add_text(c, pos, c->len, line_at(c, pos)) != 0)
        return -1;
    if (c->depth > 0) {
        struct gw_mustache_node *n = &c->code->nodes[c->open[c->depth - 1]];
        return fail(c, c->open_line[c->depth - 1], "unclosed section '%.*s'",
            QUOTE_LEN(n->text.len), n->text.s);
    }
    return 0;
}

int
gw_mustache_parse(struct gw_mustache_code *code, const char *source, const char *file,
    char *err, size_t errlen)
{
    struct compiler c = {
        .code = code, .len = strlen(source), .file = file, .err = err, .errlen = errlen,
        .otag = {"{{", 2}, .ctag = {"}}", 2}, .line = 1,
    };
    int rc;

    if ((c.src = code->source = strdup(source)) == NULL)
        rc = fail(&c, 1, "out of memory");
    else
        rc = compile(&c);
    if (rc != 0)
        gw_mustache_code_clear(code);
    return rc;
}

void
gw_mustache_code_clear(struct gw_mustache_code *code)
{
    free(code->source);
    free(code->nodes);
    free(code->parts);
    *code = (struct gw_mustache_code){0};
}
