/*
 * The files the gateway reads besides its environment: the templates
 * (KAIZEN_TEMPLATES_DIR) and the routes file (KAIZEN_ROUTES_FILE). Loaded
 * and checked at start-up and by --check-config, and again on SIGHUP or
 * POST /-/reload (gw_app_reload). Environment variables are read once.
 */
#ifndef GW_RELOAD_H
#define GW_RELOAD_H

#include <stddef.h>

#include "gateway/app/config.h"
#include "gateway/core/hmac.h"
#include "gateway/core/routes.h"
#include "gateway/text/mustache.h"

/* Every template, compiled and checked (required names present); NULL with "file:line: reason". */
struct gw_templates *gw_load_templates(const struct gw_config *cfg, char *err, size_t errlen);

/*
 * KAIZEN_ROUTES_FILE, loaded and checked against the rest of the
 * configuration. *routes stays NULL without a file; -1 with a reason in err.
 */
int gw_load_routes(const struct gw_config *cfg, struct gw_routes **routes, char *err,
                   size_t errlen);

/*
 * What was loaded, as hashes an operator can compute from the files
 * (gw_templates_digest; routes: `sha256sum FILE | cut -c1-16`): the answer
 * of POST /-/reload and kaizen_config_info, so that a reload can be checked
 * against the ConfigMap it was meant to pick up.
 */
struct gw_config_digest {
    char templates[GW_DIGEST_LEN];
    char routes[GW_DIGEST_LEN];     /* "" without a routes file */
};
void gw_config_digest(const struct gw_config *cfg, const struct gw_templates *templates,
                      struct gw_config_digest *out);

#endif
