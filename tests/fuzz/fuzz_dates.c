/*
 * Dates, durations and sizes (gateway/core/dates.h): what webhooks carry
 * (RFC 3339), what HTTP clients send (If-Modified-Since), what operators
 * write (durations, sizes). An accepted RFC 3339 timestamp is the instant
 * glibc's timegm computes from the same fields, and formats back to itself
 * when it was already in the gateway's form; an accepted IMF-fixdate is
 * the instant strptime and timegm read; every formatter's output reads
 * back to the instant it wrote, and gw_rfc822_date agrees with gmtime.
 */
#define _XOPEN_SOURCE 700   /* strptime */
#include <time.h>

#include "gateway/core/dates.h"
#include "tests/fuzz/fuzz.h"

#define FORMAT_MIN (-62167219200LL)   /* 0000-01-01T00:00:00Z */
#define FORMAT_MAX 253402300799LL     /* 9999-12-31T23:59:59Z */

/* timegm of a civil UTC time (years 0000-9999 included). */
static int64_t
civil(int y, int mo, int d, int h, int mi, int sec)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    return (int64_t)timegm(&tm);
}

static void
check_rfc3339(const char *s)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
    char sep, zone[2] = "";
    const char *p;
    int64_t t, back, want;
    char out[GW_RFC3339_LEN];

    if (gw_time_parse_rfc3339(s, &t) != 0)
        return;
    FUZZ_CHECK(t >= FORMAT_MIN && t <= FORMAT_MAX, "%s: %lld is outside 0000-9999", s,
               (long long)t);
    /* The fields, read again by sscanf (the parser accepted the shape). */
    FUZZ_CHECK(sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &n) == 7,
               "%s: no fields", s);
    p = s + n;
    if (*p == '.')
        p += 1 + strspn(p + 1, "0123456789");
    if (*p == '+' || *p == '-') {
        FUZZ_CHECK(sscanf(p + 1, "%2d:%2d", &oh, &om) == 2, "%s: no offset", s);
        if (*p == '-') {
            oh = -oh;
            om = -om;
        }
    } else {
        zone[0] = *p;
    }
    want = civil(y, mo, d, h, mi, sec) - oh * 3600 - om * 60;
    FUZZ_CHECK(t == want, "%s: %lld, timegm says %lld", s, (long long)t, (long long)want);
    gw_time_format_rfc3339(t, out, sizeof(out));
    FUZZ_CHECK(gw_time_parse_rfc3339(out, &back) == 0 && back == t, "%s: wrote %s", s, out);
    if (strlen(s) == 20 && sep == 'T' && zone[0] == 'Z' && sec < 60)
        FUZZ_CHECK(strcmp(out, s) == 0, "%s: wrote %s", s, out);
}

static void
check_http_date(const char *s)
{
    int64_t t, back;
    struct tm tm = {0};
    char out[GW_RFC822_DATE_LEN];
    const char *end;

    if (gw_time_parse_http_date(s, &t) != 0)
        return;
    gw_http_date(t, out, sizeof(out));
    FUZZ_CHECK(gw_time_parse_http_date(out, &back) == 0 && back == t, "%s: wrote %s", s, out);
    end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end != NULL && *end == '\0' && strlen(s) == 29)
        FUZZ_CHECK(t == (int64_t)timegm(&tm), "%s: %lld, strptime says %lld", s, (long long)t,
                   (long long)timegm(&tm));
}

static void
check_formatters(int64_t t)
{
    char a[GW_RFC3339_LEN], b[GW_RFC822_DATE_LEN], c[GW_RFC822_DATE_LEN], want[64], human[64];
    int64_t back;
    time_t tt = (time_t)t;
    struct tm tm;

    gw_time_format_rfc3339(t, a, sizeof(a));
    gw_http_date(t, b, sizeof(b));
    if (t < FORMAT_MIN || t > FORMAT_MAX) {
        FUZZ_CHECK(a[0] == '\0' && b[0] == '\0' && gw_rfc822_date(t, c, sizeof(c)) == NULL,
                   "%lld: written outside 0000-9999", (long long)t);
    } else {
        FUZZ_CHECK(gw_time_parse_rfc3339(a, &back) == 0 && back == t, "%lld: %s", (long long)t, a);
        FUZZ_CHECK(gw_time_parse_http_date(b, &back) == 0 && back == t, "%lld: %s", (long long)t,
                   b);
        FUZZ_CHECK(gw_rfc822_date(t, c, sizeof(c)) == c && gmtime_r(&tt, &tm) != NULL,
                   "%lld: no RFC 822 date", (long long)t);
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S +0000", &tm);
        if (tm.tm_year + 1900 >= 1000)   /* strftime writes fewer than four digits below */
            FUZZ_CHECK(strcmp(c, want) == 0, "%lld: %s, gmtime says %s", (long long)t, c, want);
    }
    gw_human_duration(t, human, sizeof(human));
    FUZZ_CHECK(strlen(human) < 32, "%lld: %s needs more than 32 bytes", (long long)t, human);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    int64_t v, t = 0;

    check_rfc3339(s);
    check_http_date(s);
    if (gw_duration_parse(s, &v) == 0)
        FUZZ_CHECK(v >= 0, "%s: a negative duration", s);
    if (gw_size_parse(s, &v) == 0)
        FUZZ_CHECK(v >= 0, "%s: a negative size", s);
    memcpy(&t, data, size < sizeof(t) ? size : sizeof(t));
    check_formatters(t);
    check_formatters(t % (FORMAT_MAX + 1));
    free(s);
    return 0;
}
