#include "gateway/app/zones.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/tz.h"
#include "gateway/util/parse.h"

#define ZONE_FILE_MAX (1 << 20)

struct gw_tz *
gw_zone_load(const char *name, char *err, size_t errlen)
{
    const char *dir = getenv("TZDIR");
    char path[4096];
    unsigned char *data = NULL;
    struct gw_tz *tz = NULL;
    size_t len;
    FILE *f;

    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        if ((tz = gw_tz_utc()) == NULL)
            gw_fail(err, errlen, "out of memory");
        return tz;
    }
    if (!gw_tz_name_valid(name)) {
        gw_fail(err, errlen, "'%s' is not a time zone name (e.g. Europe/Berlin)", name);
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo",
             name);
    if ((f = fopen(path, "rb")) == NULL) {
        gw_fail(err, errlen, "unknown time zone '%s' (%s: %s)", name, path, strerror(errno));
        return NULL;
    }
    if ((data = malloc(ZONE_FILE_MAX)) == NULL) {
        fclose(f);
        gw_fail(err, errlen, "out of memory");
        return NULL;
    }
    len = fread(data, 1, ZONE_FILE_MAX, f);
    fclose(f);
    tz = gw_tz_parse(name, data, len, err, errlen);
    free(data);
    return tz;
}
