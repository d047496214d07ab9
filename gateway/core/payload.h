/*
 * Webhook bodies: the JSON text of a delivery (JSON or form-encoded) and
 * checked access to its fields. Pure: no I/O.
 */
#ifndef GW_PAYLOAD_H
#define GW_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/util/jread.h"

/*
 * The JSON text of a webhook body: the body itself, where it lies, for
 * application/json; the decoded `payload` field of
 * application/x-www-form-urlencoded, malloc'd into *owned (the caller
 * frees it; NULL otherwise). Length in *out_len. NULL with *status = 415
 * (other content type) or 400 (bad form) and a reason in err.
 */
const char *gw_webhook_json_text(const char *content_type, const char *body, size_t len,
                                 size_t *out_len, char **owned, int *status, char *err,
                                 size_t errlen);

/* 1 if content_type is type (parameters aside), compared case-insensitively. */
int gw_media_type_is(const char *content_type, const char *type);

/*
 * Parses a JSON text that must be an object (gw_jparse_padded: duplicate
 * keys and invalid UTF-8 rejected; padded as there). The root, with *doc
 * to free, or NULL with a reason in err.
 */
const struct gw_jval *gw_json_parse_object(struct gw_jdoc **doc, const char *text, size_t len,
                                           int padded, char *err, size_t errlen);

/* Decodes application/x-www-form-urlencoded field `name`; malloc'd or NULL. */
char *gw_form_field(const char *body, size_t len, const char *name, size_t *out_len);

/* A required string / RFC 3339 time at a dotted path ("issue.title"); err set on failure. */
const char *gw_json_req_string(const struct gw_jval *obj, const char *path, char *err,
                               size_t errlen);
int gw_json_req_time(const struct gw_jval *obj, const char *path, int64_t *out, char *err,
                     size_t errlen);

#endif
