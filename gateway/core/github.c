#include "gateway/core/github.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/core/dates.h"

/* Content type without parameters, compared case-insensitively. */
static int
media_type_is(const char *content_type, const char *type)
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

char *
gw_webhook_json_text(const char *content_type, const char *body, size_t len, size_t *out_len,
                     int *status, char *err, size_t errlen)
{
    if (media_type_is(content_type, "application/json")) {
        char *copy = malloc(len + 1);
        if (copy == NULL)
            return NULL;
        memcpy(copy, body, len);
        copy[len] = '\0';
        *out_len = len;
        return copy;
    }
    if (media_type_is(content_type, "application/x-www-form-urlencoded")) {
        char *payload = gw_form_field(body, len, "payload", out_len);
        if (payload == NULL) {
            *status = 400;
            snprintf(err, errlen, "form body has no valid payload= field");
        }
        return payload;
    }
    *status = 415;
    snprintf(err, errlen, "unsupported content type %s: use application/json or "
             "application/x-www-form-urlencoded", content_type != NULL ? content_type : "(none)");
    return NULL;
}

json_t *
gw_json_parse_object(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        snprintf(err, errlen, "malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(err, errlen, "payload must be a JSON object");
        return NULL;
    }
    return v;
}

/* Follows a dotted path ("issue.number") through objects. */
static json_t *
lookup(json_t *obj, const char *path)
{
    char key[64];
    const char *p = path;

    while (obj != NULL) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(key) || !json_is_object(obj))
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        obj = json_object_get(obj, key);
        if (dot == NULL)
            return obj;
        p = dot + 1;
    }
    return NULL;
}

const char *
gw_json_req_string(json_t *obj, const char *path, char *err, size_t errlen)
{
    json_t *v = lookup(obj, path);
    if (v == NULL)
        snprintf(err, errlen, "missing field %s", path);
    else if (!json_is_string(v))
        snprintf(err, errlen, "field %s must be a string", path);
    else
        return json_string_value(v);
    return NULL;
}

int
gw_json_req_time(json_t *obj, const char *path, int64_t *out, char *err, size_t errlen)
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

static int
action_op(const char *action, enum gw_ticket_op *op)
{
    static const char *const upserts[] = {"opened", "edited", "labeled", "unlabeled",
                                          "closed", "reopened", NULL};
    for (const char *const *a = upserts; *a != NULL; a++) {
        if (strcmp(action, *a) == 0) {
            *op = GW_OP_UPSERT;
            return 0;
        }
    }
    if (strcmp(action, "deleted") == 0 || strcmp(action, "transferred") == 0) {
        *op = GW_OP_REMOVE;
        return 0;
    }
    *op = GW_OP_NONE;
    return 0;
}

int
gw_github_issue_change(json_t *payload, const struct gw_github_opts *opts,
                       struct gw_ticket_change *change, char *err, size_t errlen)
{
    const char *action, *repo, *repo_name, *title, *url, *state;
    json_t *number, *labels, *closed_at, *label;
    struct gw_ticket *t = &change->ticket;
    enum gw_severity severity = GW_SEV_NONE;
    const char *component = NULL;
    size_t component_len = 0, i;
    int has_ticket_label = opts->ticket_labels->n == 0;
    char id[512];

    memset(change, 0, sizeof(*change));
    if (!json_is_object(payload)) {
        snprintf(err, errlen, "payload must be a JSON object");
        return -1;
    }
    if ((action = gw_json_req_string(payload, "action", err, errlen)) == NULL ||
        (repo = gw_json_req_string(payload, "repository.full_name", err, errlen)) == NULL ||
        (repo_name = gw_json_req_string(payload, "repository.name", err, errlen)) == NULL ||
        (title = gw_json_req_string(payload, "issue.title", err, errlen)) == NULL ||
        (url = gw_json_req_string(payload, "issue.html_url", err, errlen)) == NULL ||
        (state = gw_json_req_string(payload, "issue.state", err, errlen)) == NULL ||
        gw_json_req_time(payload, "issue.created_at", &t->created_at, err, errlen) != 0 ||
        gw_json_req_time(payload, "issue.updated_at", &t->updated_at, err, errlen) != 0)
        goto err;
    number = lookup(payload, "issue.number");
    if (!json_is_integer(number) || json_integer_value(number) < 0) {
        snprintf(err, errlen, "field issue.number must be a non-negative integer");
        goto err;
    }
    if (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) {
        snprintf(err, errlen, "field issue.state must be \"open\" or \"closed\"");
        goto err;
    }
    closed_at = lookup(payload, "issue.closed_at");
    if (closed_at != NULL && !json_is_null(closed_at) &&
        gw_json_req_time(payload, "issue.closed_at", &t->resolved_at, err, errlen) != 0)
        goto err;
    labels = lookup(payload, "issue.labels");
    if (labels != NULL && !json_is_array(labels)) {
        snprintf(err, errlen, "field issue.labels must be an array");
        goto err;
    }
    json_array_foreach(labels, i, label) {
        json_t *name = json_object_get(label, "name");
        if (!json_is_string(name)) {
            snprintf(err, errlen, "issue.labels[%zu].name must be a string", i);
            goto err;
        }
        const char *n = json_string_value(name);
        enum gw_severity s = gw_severity_from_label(n);
        if (s != GW_SEV_NONE && (severity == GW_SEV_NONE || s < severity))
            severity = s; /* the most severe label wins */
        if (component == NULL)
            component = gw_component_from_label(n, &component_len);
        if (!has_ticket_label && gw_strlist_contains(opts->ticket_labels, n))
            has_ticket_label = 1;
    }
    action_op(action, &change->op);
    if (change->op == GW_OP_NONE)
        return 0;
    if (change->op == GW_OP_UPSERT && !has_ticket_label)
        change->op = GW_OP_DROP;

    snprintf(id, sizeof(id), "gh:%s#%lld", repo, (long long)json_integer_value(number));
    t->id = strdup(id);
    t->source = strdup("github");
    t->title = strdup(title);
    t->url = strdup(url);
    t->component = component != NULL ? strndup(component, component_len) : strdup(repo_name);
    t->severity = severity != GW_SEV_NONE ? severity : opts->default_severity;
    if (strcmp(state, "closed") == 0) {
        t->state = GW_TICKET_RESOLVED;
        if (t->resolved_at == 0)
            t->resolved_at = t->updated_at;
    } else {
        t->state = GW_TICKET_OPEN;
        t->resolved_at = 0; /* reopen clears it */
    }
    t->sla_deadline = gw_sla_deadline(opts->sla, t->severity, t->created_at);
    return 0;
err:
    gw_ticket_change_clear(change);
    return -1;
}

void
gw_ticket_change_clear(struct gw_ticket_change *change)
{
    gw_ticket_clear(&change->ticket);
    change->op = GW_OP_NONE;
}
