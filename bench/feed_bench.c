/*
 * How long gw_rss_build() takes for a feed of 10 000 tickets, next to two
 * baselines from the same run: a memcpy of as many bytes (the floor for any
 * builder) and a feed of 1 000 tickets (a 10k/1k ratio near 10 means the
 * build is linear). Prints figures only; nothing is asserted.
 *
 * usage: feed_bench [runs]      (bench/feed_bench.sh builds and runs it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/rss.h"
#include "gateway/util/clock.h"

#define BIG 10000
#define SMALL 1000

struct fixture {
    struct gw_rss_item items[BIG];
    char titles[BIG][160];
    char guids[BIG][64];
    char links[BIG][96];
    char descriptions[BIG][128];
};

static void
fill(struct fixture *f)
{
    /* Realistic ticket titles: plain, with markup characters, with emoji. */
    static const char *const titles[] = {
        "Checkout latency p99 above 2s",
        "Payment webhook returns 500 for <EUR> & <GBP> refunds",
        "\xf0\x9f\x94\xa5 Disk usage > 90% on db-primary-0",
        "Login fails when e-mail contains \"+\" or '&'",
        "KubePodCrashLooping: api-7f9c6d-x2z (restarts > 5)",
        "Search results empty for queries with <script> tags \xf0\x9f\x90\x9b",
        "Grafana dashboard 'SLO burn' shows no data since upgrade",
        "Caf\xc3\xa9 menu prices rendered as \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac in invoices",
    };
    static const char *const components[] = { "checkout", "payments", "auth", "search", NULL };
    static const char *const severities[] = { "critical", "high", "medium", "low" };

    for (int i = 0; i < BIG; i++) {
        const char *sev = severities[i % 4];
        snprintf(f->titles[i], sizeof(f->titles[i]), "[%s] %s", sev, titles[i % 8]);
        if (i % 3 == 0) {
            snprintf(f->guids[i], sizeof(f->guids[i]), "am:%016x", (unsigned)(i * 2654435761u));
            snprintf(f->links[i], sizeof(f->links[i]),
                     "http://prometheus:9090/graph?g0.expr=up&g0.tab=%d", i);
        } else {
            snprintf(f->guids[i], sizeof(f->guids[i]), "gh:octo-org/api#%d", i);
            snprintf(f->links[i], sizeof(f->links[i]),
                     "https://github.com/octo-org/api/issues/%d", i);
        }
        snprintf(f->descriptions[i], sizeof(f->descriptions[i]),
                 "Severity: %s\nState: open\nSLA: %dh remaining \xf0\x9f\x9f\xa0", sev, i % 72);
        f->items[i] = (struct gw_rss_item){
            .title = f->titles[i],
            .link = f->links[i],
            .guid = f->guids[i],
            .description = f->descriptions[i],
            .category = components[i % 5],
            .pub_date = 1795338000 - (int64_t)i * 60,
        };
    }
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double median_ms, min_ms;
    size_t bytes;
};

static void
summarise(double *ms, int runs, struct stats *st)
{
    qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
    st->min_ms = ms[0];
    st->median_ms = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
}

/* Builds the feed of the first n items `runs` times (after one warm-up). */
static int
bench_build(const struct fixture *f, size_t n, int runs, double *ms, struct stats *st)
{
    const struct gw_rss_channel ch = {
        .title = "Kaizen tickets",
        .link = "http://127.0.0.1:8080",
        .description = "Open tickets and those resolved in the last 7 days",
        .self_url = "http://127.0.0.1:8080/feeds/tickets.rss",
        .last_build = 1795338000,
        .ttl_minutes = 5,
    };

    for (int r = -1; r < runs; r++) {
        double t0 = gw_monotonic();
        char *doc = gw_rss_build(&ch, f->items, n, &st->bytes);
        double t1 = gw_monotonic();
        if (doc == NULL)
            return -1;
        free(doc);
        if (r >= 0)
            ms[r] = (t1 - t0) * 1e3;
    }
    summarise(ms, runs, st);
    return 0;
}

/* Copies `bytes` bytes into a fresh buffer, as the build must at least do. */
static int
bench_memcpy(size_t bytes, int runs, double *ms, struct stats *st)
{
    char *src = malloc(bytes);

    if (src == NULL)
        return -1;
    memset(src, 'x', bytes);
    for (int r = -1; r < runs; r++) {
        double t0 = gw_monotonic();
        char *dst = malloc(bytes);
        if (dst == NULL) {
            free(src);
            return -1;
        }
        memcpy(dst, src, bytes);
        /* Read back one byte so the copy cannot be optimised away. */
        volatile char sink = dst[bytes / 2];
        (void)sink;
        double t1 = gw_monotonic();
        free(dst);
        if (r >= 0)
            ms[r] = (t1 - t0) * 1e3;
    }
    free(src);
    st->bytes = bytes;
    summarise(ms, runs, st);
    return 0;
}

int
main(int argc, char **argv)
{
    struct fixture *f = malloc(sizeof(*f));
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 50;
    double *ms = NULL;
    struct stats big = { 0 }, small = { 0 }, copy = { 0 };
    int status = 1;

    if (runs < 1 || runs > 100000) {
        fprintf(stderr, "usage: %s [runs 1..100000]\n", argv[0]);
        goto done;
    }
    if (f == NULL || (ms = malloc(sizeof(*ms) * (size_t)runs)) == NULL)
        goto done;
    fill(f);
    if (bench_build(f, BIG, runs, ms, &big) != 0 || bench_build(f, SMALL, runs, ms, &small) != 0 ||
        bench_memcpy(big.bytes, runs, ms, &copy) != 0) {
        fprintf(stderr, "feed_bench: out of memory\n");
        goto done;
    }
    printf("runs per case: %d (after one warm-up)\n", runs);
    printf("%-22s %10s %10s %12s %10s\n", "case", "median ms", "min ms", "bytes", "MB/s");
    printf("%-22s %10.3f %10.3f %12zu %10.0f\n", "rss 10000 items", big.median_ms, big.min_ms,
           big.bytes, big.bytes / 1e3 / big.median_ms);
    printf("%-22s %10.3f %10.3f %12zu %10.0f\n", "rss 1000 items", small.median_ms,
           small.min_ms, small.bytes, small.bytes / 1e3 / small.median_ms);
    printf("%-22s %10.3f %10.3f %12zu %10.0f\n", "memcpy same bytes", copy.median_ms,
           copy.min_ms, copy.bytes, copy.bytes / 1e3 / copy.median_ms);
    printf("ratio 10000/1000 items (median): %.2f  (10 = linear)\n",
           big.median_ms / small.median_ms);
    printf("ratio rss/memcpy (median):       %.1f\n", big.median_ms / copy.median_ms);
    printf("per item (10000, median):        %.0f ns\n", big.median_ms * 1e6 / BIG);
    status = 0;

done:
    free(ms);
    free(f);
    return status;
}
