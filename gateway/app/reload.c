#include "gateway/app/reload.h"

#include <stdio.h>
#include <stdlib.h>

#include "gateway/app/zones.h"
#include "gateway/text/render.h"

struct gw_templates *
gw_load_templates(const struct gw_config *cfg, char *err, size_t errlen)
{
    struct gw_templates *set = gw_templates_new();
    if (set == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (gw_templates_load_dir(set, cfg->templates_dir, err, errlen) != 0 ||
        gw_render_check(set, err, errlen) != 0) {
        gw_templates_free(set);
        return NULL;
    }
    return set;
}

int
gw_load_routes(const struct gw_config *cfg, struct gw_routes **routes, char *err, size_t errlen)
{
    const char *channels[2];
    struct gw_routes_calendars calendars = {&cfg->calendar, gw_zone_load};

    *routes = NULL;
    if (cfg->routes_file == NULL)
        return 0;
    *routes = gw_routes_load(cfg->routes_file, cfg->slack_channel, cfg->pager_routing_key,
                             &calendars, err, errlen);
    if (*routes == NULL)
        return -1;
    if (cfg->slack_bot_token == NULL && gw_routes_channels(*routes, channels, 2) > 0) {
        snprintf(err, errlen, "%s: slack_channel needs KAIZEN_SLACK_BOT_TOKEN (Web API mode; an "
                 "incoming webhook posts to its own channel)", cfg->routes_file);
        return -1;
    }
    if (cfg->slack_bot_token != NULL && gw_routes_default_channel(*routes) == NULL) {
        snprintf(err, errlen, "%s: default: no slack_channel, and KAIZEN_SLACK_CHANNEL is unset "
                 "(where does a ticket no route takes go?)", cfg->routes_file);
        return -1;
    }
    return 0;
}

void
gw_config_digest(const struct gw_config *cfg, const struct gw_templates *templates,
                 struct gw_config_digest *out)
{
    FILE *f = cfg->routes_file != NULL ? fopen(cfg->routes_file, "rb") : NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, got;

    gw_templates_digest(templates, out->templates);
    out->routes[0] = '\0';
    if (f == NULL)
        return;
    do {   /* a routes file is a few KB */
        char *grown = len + 4096 > cap ? realloc(text, cap = len + 8192) : text;
        if (grown == NULL)
            break;
        text = grown;
        got = fread(text + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (!ferror(f) && text != NULL) {
        const char *parts[] = {text};
        gw_sha256_prefix(parts, &len, 1, out->routes);
    }
    free(text);
    fclose(f);
}
