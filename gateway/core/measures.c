#include "gateway/core/measures.h"

#define GW_BUCKET_BOUND(bound) (double)(bound),
const double gw_ticket_bucket_bounds[GW_TICKET_NBUCKETS] = {GW_TICKET_BUCKETS(GW_BUCKET_BOUND)};
#undef GW_BUCKET_BOUND

