/*
 * The Mustache compiler (text/mustache_parse.c): template source to a flat
 * node list, with the official spec's standalone lines and set delimiters.
 * Its only user is text/mustache.c (the template set and the renderer that
 * walks the list); everyone else uses text/mustache.h.
 */
#ifndef GW_MUSTACHE_PARSE_H
#define GW_MUSTACHE_PARSE_H

#include <stddef.h>

enum gw_mustache_node_type {
    GW_NODE_TEXT,       /* literal text */
    GW_NODE_INDENT,     /* start of a source line: a standalone partial's indentation goes here */
    GW_NODE_VAR,        /* {{name}}: escaped */
    GW_NODE_RAW,        /* {{{name}}}, {{&name}}: never escaped */
    GW_NODE_SECTION,    /* {{#name}}: children follow up to `end` */
    GW_NODE_INVERTED,   /* {{^name}}: children follow up to `end` */
    GW_NODE_PARTIAL     /* {{>name}} */
};

struct gw_mustache_span {
    const char *s;
    size_t len;
};

/* One node; a section's children are the nodes between it and `end`. */
struct gw_mustache_node {
    enum gw_mustache_node_type type;
    struct gw_mustache_span text;   /* TEXT: the text; any tag: its trimmed name */
    size_t first_part;              /* VAR..INVERTED: the dotted name's parts in parts[] */
    size_t n_parts;                 /* 0 for the implicit iterator "." */
    size_t end;                     /* SECTION, INVERTED: index just past the last child */
    /* PARTIAL: alone on its line, so each line it writes gets the blanks before the tag
     * (after enclosing partials' own) */
    int standalone;
    struct gw_mustache_span indent;
};

/* A compiled template. Every span points into source, which it owns. */
struct gw_mustache_code {
    char *source;
    struct gw_mustache_node *nodes;
    size_t n_nodes, cap_nodes;
    struct gw_mustache_span *parts;
    size_t n_parts, cap_parts;
};

/*
 * Compiles a copy of source (NUL-terminated; the caller keeps it) into
 * *code, which must be empty ({0}). Returns 0, or -1 with *code left empty
 * and "file:line: reason" (1-based line) in err on a syntax error or when
 * out of memory.
 */
int gw_mustache_parse(struct gw_mustache_code *code, const char *source, const char *file,
    char *err, size_t errlen);

/* Frees what gw_mustache_parse made and empties *code; an empty one is fine. */
void gw_mustache_code_clear(struct gw_mustache_code *code);

#endif
