#include "gateway/reload.h"

#include <stdio.h>

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

    *routes = NULL;
    if (cfg->routes_file == NULL)
        return 0;
    *routes = gw_routes_load(cfg->routes_file, cfg->slack_channel, cfg->pager_routing_key, err,
                             errlen);
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
