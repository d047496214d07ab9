#include "gateway/core/payload.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/core/dates.h"

int
gw_media_type_is(const char *content_type, const char *type)
{
    size_t n = strlen(type);
    if (content_type == NULL || strncasecmp(content_type, type, n) != 0)
        return 0;
    return content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ';
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *
gw_form_field(const char *body, size_t len, const char *name, size_t *out_len)
{
    size_t nlen = strlen(name), i = 0;

    while (i < len) {
        const char *pair = body + i;
        const char *amp = memchr(pair, '&', len - i);
        size_t plen = amp != NULL ? (size_t)(amp - pair) : len - i;
        if (plen > nlen && memcmp(pair, name, nlen) == 0 && pair[nlen] == '=') {
            const char *v = pair + nlen + 1;
            size_t vlen = plen - nlen - 1, o = 0;
            char *out = malloc(vlen + 1);
            if (out == NULL)
                return NULL;
            for (size_t j = 0; j < vlen; j++) {
                if (v[j] == '+') {
                    out[o++] = ' ';
                } else if (v[j] == '%') {
                    if (j + 2 >= vlen || hexval((unsigned char)v[j + 1]) < 0 ||
                        hexval((unsigned char)v[j + 2]) < 0) {
                        free(out);
                        return NULL;
                    }
                    out[o++] = (char)(hexval((unsigned char)v[j + 1]) * 16 +
                                      hexval((unsigned char)v[j + 2]));
                    j += 2;
                } else {
                    out[o++] = v[j];
                }
            }
            out[o] = '\0';
            *out_len = o;
            return out;
        }
        i += plen + 1;
    }
    return NULL;
}

const char *
gw_webhook_json_text(const char *content_type, const char *body, size_t len, size_t *out_len,
                     char **owned, int *status, char *err, size_t errlen)
{
    *owned = NULL;
    if (gw_media_type_is(content_type, "application/json")) {
        *out_len = len;
        return body;
    }
    if (gw_media_type_is(content_type, "application/x-www-form-urlencoded")) {
        *owned = gw_form_field(body, len, "payload", out_len);
        if (*owned == NULL) {
            *status = 400;
            snprintf(err, errlen, "form body has no valid payload= field");
        }
        return *owned;
    }
    *status = 415;
    snprintf(err, errlen, "unsupported content type %s: use application/json or "
             "application/x-www-form-urlencoded", content_type != NULL ? content_type : "(none)");
    return NULL;
}

const struct gw_jval *
gw_json_parse_object(struct gw_jdoc **doc, const char *text, size_t len, int padded, char *err,
                     size_t errlen)
{
    const struct gw_jval *v = gw_jparse_padded(doc, text, len, padded, err, errlen);

    if (v != NULL && v->type != GW_JOBJECT) {
        gw_jdoc_free(*doc);
        *doc = NULL;
        snprintf(err, errlen, "payload must be a JSON object");
        return NULL;
    }
    return v;
}

const char *
gw_json_req_string(const struct gw_jval *obj, const char *path, char *err, size_t errlen)
{
    const struct gw_jval *v = gw_jpath(obj, path);
    if (v == NULL)
        snprintf(err, errlen, "missing field %s", path);
    else if (v->type != GW_JSTRING)
        snprintf(err, errlen, "field %s must be a string", path);
    else
        return v->v.s;
    return NULL;
}

int
gw_json_req_time(const struct gw_jval *obj, const char *path, int64_t *out, char *err,
                 size_t errlen)
{
    const char *s = gw_json_req_string(obj, path, err, errlen);
    if (s == NULL)
        return -1;
    if (gw_time_parse_rfc3339(s, out) != 0) {
        snprintf(err, errlen, "field %s is not an RFC 3339 timestamp", path);
        return -1;
    }
    return 0;
}
