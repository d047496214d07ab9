/*
 * Mustache templates over jansson values (templates/README.md): interpolation,
 * sections, inverted sections, comments, set delimiters and partials as the
 * official spec defines them; lambdas and inheritance are not supported.
 * Templates are compiled once when added; rendering walks the compiled form
 * and never fails on data (a missing name renders as nothing).
 */
#ifndef GW_MUSTACHE_H
#define GW_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "gateway/text/escape.h"     /* enum gw_escape, gw_escape_text() */

/* A set of named compiled templates; partials resolve within the set. */
struct gw_templates;

/* Returns an empty set, or NULL when out of memory. */
struct gw_templates *gw_templates_new(void);
/* Frees set and every template in it; NULL is fine. */
void gw_templates_free(struct gw_templates *set);
/*
 * The first 16 hex digits of the SHA-256 of every template's source, in load
 * order (a directory's files in byte order of their names): what
 * `LC_ALL=C cat DIR/<every>.mustache | sha256sum` prints. out: GW_DIGEST_LEN bytes.
 */
void gw_templates_digest(const struct gw_templates *set, char *out);

/* Exchanges the templates of a and b (a reload: holders of a see b's from now on). */
void gw_templates_swap(struct gw_templates *a, struct gw_templates *b);

/*
 * Compiles source under name, replacing a template of the same name.
 * filename only labels errors (name is used when it is NULL). Partials are
 * looked up by name at render time, so they may be added in any order.
 * On a syntax error returns -1, leaves the set unchanged and writes
 * "filename:line: reason" (1-based line) into err. Caller keeps ownership
 * of every argument.
 */
int gw_templates_add(struct gw_templates *set, const char *name, const char *source,
    const char *filename, char *err, size_t errlen);

/*
 * Adds every "*.mustache" file of dir (in name order) under its file
 * name without ".mustache". On error returns -1 with "dir/file:line: reason"
 * or "dir: reason" in err; templates loaded before the failing file stay in
 * the set.
 */
int gw_templates_load_dir(struct gw_templates *set, const char *dir, char *err, size_t errlen);

/* 1 if the set holds a template called name, else 0. */
int gw_templates_has(const struct gw_templates *set, const char *name);

/*
 * A render's budget of work: a template node visited, a context frame or a
 * dotted name's part searched, a list item, a template compared when a
 * partial is looked up, a level of partial indentation written: one unit
 * each. Every unit of work counts, so that no template can keep a render
 * (and the event loop) busy for long.
 */
#ifndef GW_RENDER_BUDGET   /* the fuzz build sets a smaller one (docs/fuzzing.md) */
#define GW_RENDER_BUDGET 4000000
#endif

/*
 * Renders template name with context (any jansson value, or NULL; borrowed).
 * Returns a malloc'd NUL-terminated string the caller frees, or NULL when
 * there is no such template, memory ran out, or the render went past its
 * budget (16 MiB of output or GW_RENDER_BUDGET units of work: partials
 * calling each other can otherwise fan out exponentially).
 *
 * Falsy for sections: missing, null, false, 0, 0.0, "" and []. A list
 * renders its section once per element; any other truthy value once, pushed
 * on the context stack. Interpolation: strings as is, integers in decimal,
 * reals in the shortest form that reads back exactly (1.21, not
 * 1.2099999999999999), true/false as words; null, objects and arrays render
 * as nothing. Partials nest at most 64 deep; deeper ones render as nothing.
 */
char *gw_templates_render(const struct gw_templates *set, const char *name, json_t *context,
    enum gw_escape esc);
/*
 * gw_templates_render, and the units of work it spent in *work (more than
 * GW_RENDER_BUDGET when that is why it returns NULL).
 */
char *gw_templates_render_work(const struct gw_templates *set, const char *name, json_t *context,
    enum gw_escape esc, size_t *work);

#endif
