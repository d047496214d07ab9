/*
 * Webhook bodies: the JSON text of a delivery (JSON or form-encoded) and
 * checked access to its fields. Pure: no I/O.
 */
#ifndef GW_PAYLOAD_H
#define GW_PAYLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Returns the JSON text of a webhook body: the body itself for
 * application/json, the decoded `payload` field for
 * application/x-www-form-urlencoded. Returns a malloc'd string (length in
 * *out_len) or NULL with *status = 415 (other content type) or 400 (bad form).
 */
char *gw_webhook_json_text(const char *content_type, const char *body, size_t len,
                           size_t *out_len, int *status, char *err, size_t errlen);

/*
 * Parses a webhook's JSON text into an object (duplicate keys and invalid
 * UTF-8 rejected). NULL with a reason in err otherwise.
 */
json_t *gw_json_parse_object(const char *text, size_t len, char *err, size_t errlen);

/* Decodes application/x-www-form-urlencoded field `name`; malloc'd or NULL. */
char *gw_form_field(const char *body, size_t len, const char *name, size_t *out_len);

/* The value at a dotted path ("issue.number") through objects, or NULL. Borrowed. */
json_t *gw_json_path(json_t *obj, const char *path);

/* A required string / RFC 3339 time at a dotted path ("issue.title"); err set on failure. */
const char *gw_json_req_string(json_t *obj, const char *path, char *err, size_t errlen);
int gw_json_req_time(json_t *obj, const char *path, int64_t *out, char *err, size_t errlen);

#endif
