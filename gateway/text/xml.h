/*
 * XML writer over a growable buffer. Pure.
 *
 * Whatever comes in as text or attribute value comes out well-formed XML 1.0
 * in valid UTF-8: the five markup characters are escaped, characters XML 1.0
 * forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) are
 * dropped, and each byte that is not part of a valid UTF-8 sequence becomes
 * U+FFFD. Element and attribute names come from code, not users: an invalid
 * name is a programming error that fails the document.
 *
 * Errors are sticky: after the first one (out of memory, a misuse such as an
 * attribute after content, an unmatched close) every call is a no-op returning
 * -1 and gw_xml_finish() returns NULL, so a builder may check once at the end.
 *
 *   struct gw_xml *x = gw_xml_new(GW_XML_INDENT);
 *   gw_xml_declaration(x);
 *   gw_xml_open(x, "item");
 *   gw_xml_attr(x, "id", id);
 *   gw_xml_element(x, "title", title);
 *   gw_xml_close(x);
 *   char *doc = gw_xml_finish(x, &len);   // caller frees doc
 *   gw_xml_free(x);
 */
#ifndef GW_XML_H
#define GW_XML_H

#include <stddef.h>

struct gw_xml;

/* Start each child element on its own line, indented two spaces a level.
 * Whitespace is only added between elements, never inside text. */
#define GW_XML_INDENT 0x1u

/* A new empty writer, or NULL when out of memory. flags: GW_XML_INDENT or 0. */
struct gw_xml *gw_xml_new(unsigned flags);

/* Frees x and anything it still holds. NULL is a no-op. */
void gw_xml_free(struct gw_xml *x);

/* Grows the buffer now so the next `bytes` bytes of output need no
 * reallocation; a hint for large documents, never required. */
int gw_xml_reserve(struct gw_xml *x, size_t bytes);

/* Writes <?xml version="1.0" encoding="UTF-8"?>. Only valid as the very
 * first output. */
int gw_xml_declaration(struct gw_xml *x);

/* Starts element `name`; attributes may follow until any content or close.
 * The writer keeps its own copy of name. */
int gw_xml_open(struct gw_xml *x, const char *name);

/* Adds name="value" to the element just opened. value (NUL-terminated, NULL
 * means "") is escaped; tab, LF and CR become character references so they
 * survive attribute-value normalisation. Caller must not repeat a name. */
int gw_xml_attr(struct gw_xml *x, const char *name, const char *value);

/* Appends s[0..len) as character data of the current element, escaped.
 * NUL bytes inside the range are dropped like other C0 controls. */
int gw_xml_text(struct gw_xml *x, const char *s, size_t len);

/* open + text (NUL-terminated; NULL or "" gives <name/>) + close. */
int gw_xml_element(struct gw_xml *x, const char *name, const char *text);

/* Closes the innermost open element: "/>" if it has no content. */
int gw_xml_close(struct gw_xml *x);

/*
 * Closes every element still open and hands over the document: a malloc'd,
 * NUL-terminated string (caller frees), its length in *len (len may be NULL).
 * Returns NULL if any error occurred or nothing was written. Either way x is
 * left empty and reusable; it still has to be freed with gw_xml_free().
 */
char *gw_xml_finish(struct gw_xml *x, size_t *len);

/*
 * Escapes s[0..len) with the attribute rules above (safe both in text and in
 * attribute values), for a sink that assembles XML itself rather than
 * through the writer. Returns a malloc'd NUL-terminated string (caller
 * frees) and its length in *out_len (may be NULL), or NULL when out of
 * memory.
 */
char *gw_xml_escape(const char *s, size_t len, size_t *out_len);

#endif
