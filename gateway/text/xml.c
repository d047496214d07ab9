#include "gateway/text/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/escape.h"
#include "gateway/util/buf.h"
#include "gateway/util/utf8.h"

/* An open element: its name lives in gw_xml.names at [name_off, +name_len). */
struct frame {
    size_t name_off;
    size_t name_len;
    int has_children;
};

struct gw_xml {
    unsigned flags;
    int failed;
    int tag_open;        /* "<name ..." written, its '>' not yet */
    int root_closed;     /* a document has exactly one root element */
    struct gw_buf out;
    struct frame *frames;
    size_t depth, frames_cap;
    char *names;
    size_t names_len, names_cap;
};

static const char replacement_char[] = "\xEF\xBF\xBD";

static int
fail(struct gw_xml *x)
{
    x->failed = 1;
    return -1;
}

static int
reserve(struct gw_xml *x, size_t bytes)
{
    return gw_buf_reserve(&x->out, bytes) != 0 ? fail(x) : 0;
}

static int
put(struct gw_xml *x, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    return gw_buf_add(&x->out, s, n) != 0 ? fail(x) : 0;
}

static int
puts_lit(struct gw_xml *x, const char *s)
{
    return put(x, s, strlen(s));
}

/*
 * What replaces ASCII byte c in output: NULL when it is copied as is, "" when
 * XML 1.0 forbids it. The five markup characters get the shared XML
 * entities; CR is always a reference because parsers turn a literal one into
 * LF; in attributes tab and LF too, which would become spaces.
 */
static const char *
ascii_replacement(unsigned char c, int in_attr)
{
    const char *entity = gw_escape_entity(c, GW_ESCAPE_XML);

    if (entity != NULL)
        return entity;
    switch (c) {
    case '\t':
        return in_attr ? "&#9;" : NULL;
    case '\n':
        return in_attr ? "&#10;" : NULL;
    case '\r':
        return "&#13;";
    default:
        return c < 0x20 ? "" : NULL;
    }
}

/*
 * Byte classes for the escaping scan: 0 copied as is; 1 ASCII that may need
 * a replacement (controls and the five markup characters); 2 not ASCII, so
 * the start of a UTF-8 sequence or an invalid byte.
 */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x10 */
    0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,   /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0x90 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xA0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xB0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xC0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xD0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xE0 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,   /* 0xF0 */
};

/* Appends s[0..len) escaped. Bytes that need no change are copied in runs. */
static int
put_escaped(struct gw_xml *x, const char *s, size_t len, int in_attr)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (len == 0)
        return 0;
    while (i < len) {
        unsigned char c = p[i];
        const char *rep;
        size_t skip = 1;

        if (byte_class[c] == 0) {
            i++;
            continue;
        }
        if (byte_class[c] == 1) {
            if ((rep = ascii_replacement(c, in_attr)) == NULL) {
                i++;
                continue;
            }
        } else {
            size_t n = gw_utf8_seq_len(p + i, len - i);
            if (n == 0) {
                rep = replacement_char;
            } else if (n == 3 && c == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE) {
                rep = "";     /* U+FFFE, U+FFFF: not XML characters */
                skip = 3;
            } else {
                i += n;
                continue;
            }
        }
        if (put(x, s + run, i - run) != 0 || puts_lit(x, rep) != 0)
            return -1;
        i += skip;
        run = i;
    }
    return put(x, s + run, i - run);
}

/* Length of name if it is a valid (ASCII subset of an) XML Name, else 0. */
static size_t
name_len(const char *name)
{
    size_t i;

    if (name == NULL)
        return 0;
    for (i = 0; name[i] != '\0'; i++) {
        unsigned char c = (unsigned char)name[i];
        int start = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
        if (!start && (i == 0 || !((c >= '0' && c <= '9') || c == '-' || c == '.')))
            return 0;
    }
    return i;
}

static int
put_indent(struct gw_xml *x, size_t level)
{
    static const char spaces[] = "                                ";

    if (put(x, "\n", 1) != 0)
        return -1;
    for (level *= 2; level > 0;) {
        size_t n = level < sizeof(spaces) - 1 ? level : sizeof(spaces) - 1;
        if (put(x, spaces, n) != 0)
            return -1;
        level -= n;
    }
    return 0;
}

/* Ends a pending start tag, as any content of the element must. */
static int
end_start_tag(struct gw_xml *x)
{
    if (!x->tag_open)
        return 0;
    x->tag_open = 0;
    return put(x, ">", 1);
}

struct gw_xml *
gw_xml_new(unsigned flags)
{
    struct gw_xml *x = calloc(1, sizeof(*x));

    if (x != NULL)
        x->flags = flags;
    return x;
}

void
gw_xml_free(struct gw_xml *x)
{
    if (x == NULL)
        return;
    free(x->out.p);
    free(x->frames);
    free(x->names);
    free(x);
}

int
gw_xml_reserve(struct gw_xml *x, size_t bytes)
{
    if (x->failed)
        return -1;
    return reserve(x, bytes);
}

int
gw_xml_declaration(struct gw_xml *x)
{
    if (x->failed)
        return -1;
    if (x->out.len != 0)
        return fail(x);
    return puts_lit(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
}

int
gw_xml_open(struct gw_xml *x, const char *name)
{
    size_t n = name_len(name);
    struct frame *frames;
    char *names;

    if (x->failed)
        return -1;
    if (n == 0 || (x->depth == 0 && x->root_closed))
        return fail(x);
    if (end_start_tag(x) != 0)
        return -1;
    if (x->depth > 0)
        x->frames[x->depth - 1].has_children = 1;
    if ((x->flags & GW_XML_INDENT) && x->out.len > 0 && put_indent(x, x->depth) != 0)
        return -1;
    if (put(x, "<", 1) != 0 || put(x, name, n) != 0)
        return -1;

    if ((frames = gw_grow(x->frames, &x->frames_cap, x->depth + 1, sizeof(*frames))) == NULL)
        return fail(x);
    x->frames = frames;
    if (n > SIZE_MAX - x->names_len ||
        (names = gw_grow(x->names, &x->names_cap, x->names_len + n, 1)) == NULL)
        return fail(x);
    x->names = names;
    memcpy(x->names + x->names_len, name, n);
    x->frames[x->depth++] = (struct frame){ x->names_len, n, 0 };
    x->names_len += n;
    x->tag_open = 1;
    return 0;
}

int
gw_xml_attr(struct gw_xml *x, const char *name, const char *value)
{
    size_t n = name_len(name);

    if (x->failed)
        return -1;
    if (n == 0 || !x->tag_open)
        return fail(x);
    if (put(x, " ", 1) != 0 || put(x, name, n) != 0 || put(x, "=\"", 2) != 0)
        return -1;
    if (value != NULL && put_escaped(x, value, strlen(value), 1) != 0)
        return -1;
    return put(x, "\"", 1);
}

int
gw_xml_text(struct gw_xml *x, const char *s, size_t len)
{
    if (x->failed)
        return -1;
    if (x->depth == 0 || (s == NULL && len > 0))
        return fail(x);
    if (end_start_tag(x) != 0)
        return -1;
    return put_escaped(x, s, len, 0);
}

int
gw_xml_element(struct gw_xml *x, const char *name, const char *text)
{
    if (gw_xml_open(x, name) != 0)
        return -1;
    if (text != NULL && text[0] != '\0' && gw_xml_text(x, text, strlen(text)) != 0)
        return -1;
    return gw_xml_close(x);
}

int
gw_xml_close(struct gw_xml *x)
{
    struct frame *f;

    if (x->failed)
        return -1;
    if (x->depth == 0)
        return fail(x);
    f = &x->frames[x->depth - 1];
    if (x->tag_open) {
        x->tag_open = 0;
        if (put(x, "/>", 2) != 0)
            return -1;
    } else {
        if ((x->flags & GW_XML_INDENT) && f->has_children && put_indent(x, x->depth - 1) != 0)
            return -1;
        if (put(x, "</", 2) != 0 || put(x, x->names + f->name_off, f->name_len) != 0 ||
            put(x, ">", 1) != 0)
            return -1;
    }
    x->names_len = f->name_off;
    if (--x->depth == 0)
        x->root_closed = 1;
    return 0;
}

char *
gw_xml_finish(struct gw_xml *x, size_t *len)
{
    char *doc = NULL;

    while (!x->failed && x->depth > 0)
        gw_xml_close(x);
    if (!x->failed && x->out.len > 0 && (x->flags & GW_XML_INDENT))
        put(x, "\n", 1);
    if (x->failed || x->out.len == 0)
        goto done;
    if (len != NULL)
        *len = x->out.len;
    doc = gw_buf_take(&x->out);     /* holds text: cannot fail */

done:
    free(x->out.p);
    x->out = (struct gw_buf){0};
    x->depth = x->names_len = 0;
    x->failed = x->tag_open = x->root_closed = 0;
    return doc;
}

char *
gw_xml_escape(const char *s, size_t len, size_t *out_len)
{
    struct gw_xml tmp = { 0 };

    if (s == NULL && len > 0)
        return NULL;
    if (reserve(&tmp, len) != 0 || put_escaped(&tmp, s, len, 1) != 0) {
        free(tmp.out.p);
        return NULL;
    }
    if (out_len != NULL)
        *out_len = tmp.out.len;
    return tmp.out.p;
}
