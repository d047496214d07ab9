/*
 * A JSON value built by a test with jansson, read the way the gateway reads
 * bodies (gateway/util/jread.h). The document of the previous call is freed
 * by the next one, so use each result before asking for another.
 */
#ifndef GW_TEST_JVAL_H
#define GW_TEST_JVAL_H

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/jread.h"

static inline const struct gw_jval *
jv(json_t *v)
{
    static struct gw_jdoc *last;
    char err[256] = "", *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const struct gw_jval *root;

    gw_jdoc_free(last);
    last = NULL;
    ck_assert_ptr_nonnull(text);
    root = gw_jparse(&last, text, strlen(text), err, sizeof(err));
    ck_assert_msg(root != NULL, "%s", err);
    free(text);
    return root;
}

#endif
