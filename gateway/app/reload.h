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
#include "handlers/handlers.h"

/* Every template, compiled and checked (required names present); NULL with "file:line: reason". */
struct gw_templates *gw_load_templates(const struct gw_config *cfg, char *err, size_t errlen);

/*
 * KAIZEN_ROUTES_FILE, loaded and checked against the rest of the
 * configuration. *routes stays NULL without a file; -1 with a reason in err.
 */
int gw_load_routes(const struct gw_config *cfg, struct gw_routes **routes, char *err,
                   size_t errlen);

/* What was loaded (handlers/handlers.h struct gw_config_digest). */
void gw_config_digest(const struct gw_config *cfg, const struct gw_templates *templates,
                      struct gw_config_digest *out);

#endif
