/*
 * Private to gateway/mustache.c (the template set and the renderer) and
 * gateway/mustache_parse.c (the compiler): the compiled form of a template
 * that both walk. Nothing else may include this header; the public API is
 * gateway/mustache.h.
 */
#ifndef GW_MUSTACHE_INTERNAL_H
#define GW_MUSTACHE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gateway/text/mustache.h"

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

/* Returns items with room for element n (moved if needed), or NULL with items untouched. */
static inline void *
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

/*
 * Compiles t->source (NUL-terminated, owned by t) into t->nodes and t->parts,
 * whose spans point into t->source. On a syntax error or when out of memory
 * returns -1 and writes "file:line: reason" (1-based line) into err; t then
 * holds a partial node list that only template cleanup may touch.
 */
int gw_mustache_compile(struct template *t, const char *file, char *err, size_t errlen);

#endif
