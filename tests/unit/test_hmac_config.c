/* HMAC signatures, durations, sizes, Redis URLs and configuration errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/app/config.h"
#include "gateway/core/hmac.h"
#include "gateway/core/dates.h"

#include "tests/unit/check_main.h"

/* --- a fake environment for gw_config_load ------------------------------- */
static const char *fake_env[64];

static const char *
fake_getenv(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; fake_env[i] != NULL; i++)
        if (strncmp(fake_env[i], name, n) == 0 && fake_env[i][n] == '=')
            return fake_env[i] + n + 1;
    return NULL;
}

static int
load_with(const char *const *vars, struct gw_config *cfg, char *err, size_t errlen)
{
    int i = 0;
    for (; vars[i] != NULL; i++)
        fake_env[i] = vars[i];
    fake_env[i] = NULL;
    return gw_config_load(cfg, fake_getenv, err, errlen);
}

/* A temp file holding "from-file\n" (path: a mkstemp template), and "var=its path" in env. */
static void
secret_file(char *path, const char *var, char *env, size_t envlen)
{
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "from-file\n", 10), 10);
    close(fd);
    snprintf(env, envlen, "%s=%s", var, path);
}

START_TEST(github_documented_vector)
{
    /* https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries */
    char sig[GW_SIGNATURE_LEN + 1];
    gw_hmac_sign("It's a Secret to Everybody", "Hello, World!", 13, sig);
    ck_assert_str_eq(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}
END_TEST

START_TEST(slack_documented_vector_and_rejections)
{
    /* https://api.slack.com/authentication/verifying-requests-from-slack */
    const char *secret = "8f742231b10e8888abcd99yyyzzz85a5", *ts = "1531420618";
    const char *sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const char *body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
        "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
        "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770088"
        "5554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c44"
        "7fce8b6703c";
    size_t len = strlen(body);
    long long now = 1531420618;
    char flipped[80];

    ck_assert_int_eq(gw_slack_signature_check(secret, ts, sig, body, len, now), GW_SLACK_SIG_OK);
    char made[GW_SLACK_SIGNATURE_LEN + 1];
    ck_assert_int_eq(gw_slack_sign(secret, ts, body, len, made), 0);   /* kaizen-gateway sign --slack */
    ck_assert_str_eq(made, sig);
    /* within 5 minutes either way; one second more is a replay */
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, sig, body, len, now + 300), GW_SLACK_SIG_OK);
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, sig, body, len, now + 301),
                     GW_SLACK_SIG_STALE);
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, sig, body, len, now - 301),
                     GW_SLACK_SIG_STALE);
    ck_assert_int_eq(gw_slack_signature_check(secret, "1531420618x", sig, body, len, now),
                     GW_SLACK_SIG_STALE);
    ck_assert_int_eq(gw_slack_signature_check(secret, NULL, sig, body, len, now),
                     GW_SLACK_SIG_MISSING);
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, NULL, body, len, now),
                     GW_SLACK_SIG_MISSING);
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, "", body, len, now), GW_SLACK_SIG_MISSING);
    /* another secret, one body byte less, one signature digit changed, GitHub's form */
    ck_assert_int_eq(gw_slack_signature_check("other", ts, sig, body, len, now), GW_SLACK_SIG_BAD);
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, sig, body, len - 1, now), GW_SLACK_SIG_BAD);
    snprintf(flipped, sizeof(flipped), "%s", sig);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, flipped, body, len, now), GW_SLACK_SIG_BAD);
    flipped[1] = '1';
    ck_assert_int_eq(gw_slack_signature_check(secret, ts, flipped, body, len, now), GW_SLACK_SIG_BAD);
}
END_TEST

START_TEST(verify_rotation_and_rejections)
{
    struct gw_strlist secrets;
    const char *body = "{\"zen\":\"x\"}";
    char sig_old[GW_SIGNATURE_LEN + 1], sig_new[GW_SIGNATURE_LEN + 1], upper[GW_SIGNATURE_LEN + 1];

    gw_strlist_split("new-secret, old-secret", &secrets);
    ck_assert_uint_eq(secrets.n, 2);
    gw_hmac_sign("old-secret", body, strlen(body), sig_old);
    gw_hmac_sign("new-secret", body, strlen(body), sig_new);
    ck_assert(gw_hmac_verify(&secrets, body, strlen(body), sig_old));
    ck_assert(gw_hmac_verify(&secrets, body, strlen(body), sig_new));
    /* hex case does not matter */
    for (int i = 0; i <= GW_SIGNATURE_LEN; i++)
        upper[i] = (char)(i >= 7 && sig_new[i] >= 'a' && sig_new[i] <= 'f' ? sig_new[i] - 32 : sig_new[i]);
    ck_assert(gw_hmac_verify(&secrets, body, strlen(body), upper));
    /* one flipped body byte, a truncated signature, another algorithm, nothing */
    ck_assert(!gw_hmac_verify(&secrets, "{\"zen\":\"y\"}", strlen(body), sig_new));
    sig_new[GW_SIGNATURE_LEN - 1] = '\0';
    ck_assert(!gw_hmac_verify(&secrets, body, strlen(body), sig_new));
    ck_assert(!gw_hmac_verify(&secrets, body, strlen(body), "sha1=abcdef"));
    ck_assert(!gw_hmac_verify(&secrets, body, strlen(body), NULL));
    gw_strlist_free(&secrets);
    gw_strlist_split("", &secrets);
    ck_assert(!gw_hmac_verify(&secrets, body, strlen(body), sig_old));
    gw_strlist_free(&secrets);
}
END_TEST

START_TEST(consttime_equal)
{
    ck_assert(gw_consttime_equal("token", 5, "token", 5));
    ck_assert(!gw_consttime_equal("token", 5, "tokeN", 5));
    ck_assert(!gw_consttime_equal("token", 5, "token2", 6));
    ck_assert(gw_consttime_equal("", 0, "", 0));
}
END_TEST




START_TEST(redis_urls)
{
    struct gw_redis_target t;
    char err[128];
    ck_assert_int_eq(gw_redis_url_parse("redis://:p%40ss@db.internal:6380/3", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_TCP);
    ck_assert_uint_eq(t.nendpoints, 1);
    ck_assert_str_eq(t.endpoints[0].host, "db.internal");
    ck_assert_int_eq(t.endpoints[0].port, 6380);
    ck_assert_int_eq(t.db, 3);
    ck_assert_str_eq(t.auth.password, "p@ss");
    ck_assert_ptr_null(t.auth.username);
    ck_assert_int_eq(t.tls.on, 0);
    gw_redis_target_clear(&t);
    /* An ACL user (both parts %-escaped), and TLS */
    ck_assert_int_eq(gw_redis_url_parse("rediss://kaizen%2Dgw:p%3Aw@db.internal:6380/1", &t, err,
                                        sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_TCP);
    ck_assert_int_eq(t.tls.on, 1);
    ck_assert_str_eq(t.auth.username, "kaizen-gw");
    ck_assert_str_eq(t.auth.password, "p:w");
    ck_assert_int_eq(t.endpoints[0].port, 6380);
    gw_redis_target_clear(&t);
    /* A bare word before '@' is a password, as before ACLs */
    ck_assert_int_eq(gw_redis_url_parse("redis://secret@h", &t, err, sizeof(err)), 0);
    ck_assert_ptr_null(t.auth.username);
    ck_assert_str_eq(t.auth.password, "secret");
    gw_redis_target_clear(&t);
    ck_assert_int_eq(gw_redis_url_parse("rediss-sentinel://u:p@s1,s2/0?master=m", &t, err,
                                        sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_SENTINEL);
    ck_assert_int_eq(t.tls.on, 1);
    ck_assert_int_eq(t.endpoints[1].port, 26379);
    ck_assert_str_eq(t.auth.username, "u");
    gw_redis_target_clear(&t);
    ck_assert_int_eq(gw_redis_url_parse("rediss-cluster://h1:7000,h2", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_CLUSTER);
    ck_assert_int_eq(t.tls.on, 1);
    ck_assert_int_eq(t.endpoints[1].port, 6379);
    gw_redis_target_clear(&t);
    ck_assert_int_eq(gw_redis_url_parse("redis://127.0.0.1", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.endpoints[0].port, 6379);
    ck_assert_int_eq(t.db, 0);
    ck_assert_ptr_null(t.auth.password);
    gw_redis_target_clear(&t);
    ck_assert_int_eq(gw_redis_url_parse("redis://[::1]:7000/1", &t, err, sizeof(err)), 0);
    ck_assert_str_eq(t.endpoints[0].host, "::1");
    ck_assert_int_eq(t.endpoints[0].port, 7000);
    gw_redis_target_clear(&t);
    ck_assert_int_eq(gw_redis_url_parse("unix:///run/redis.sock", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_UNIX);
    ck_assert_str_eq(t.path, "/run/redis.sock");
    gw_redis_target_clear(&t);
    /* Sentinels: several hosts, default port 26379, the master's name */
    ck_assert_int_eq(gw_redis_url_parse("redis-sentinel://:pw@s1,s2:26380,[::1]/2?master=kz-main",
                                        &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_SENTINEL);
    ck_assert_uint_eq(t.nendpoints, 3);
    ck_assert_str_eq(t.endpoints[0].host, "s1");
    ck_assert_int_eq(t.endpoints[0].port, 26379);
    ck_assert_int_eq(t.endpoints[1].port, 26380);
    ck_assert_str_eq(t.endpoints[2].host, "::1");
    ck_assert_str_eq(t.master, "kz-main");
    ck_assert_str_eq(t.auth.password, "pw");
    ck_assert_int_eq(t.db, 2);
    gw_redis_target_clear(&t);
    /* Cluster seeds */
    ck_assert_int_eq(gw_redis_url_parse("redis-cluster://10.0.0.1:7000,10.0.0.2:7001", &t, err,
                                        sizeof(err)), 0);
    ck_assert_int_eq(t.kind, GW_REDIS_CLUSTER);
    ck_assert_uint_eq(t.nendpoints, 2);
    ck_assert_int_eq(t.endpoints[1].port, 7001);
    gw_redis_target_clear(&t);
    const char *bad[] = {"http://x", "redis://", "redis://h:0", "redis://h:70000", "redis://h/x",
                         "unix://relative", "redis://:%zz@h", "redis://a,b",
                         "redis-sentinel://s1", "redis-sentinel://s1?master=",
                         "redis-sentinel://s1?master=m&x=1", "redis-cluster://h/1",
                         "redis://h?master=m", "redis-cluster://", "rediss://", "redis://u:@h",
                         "redis://u%zz:p@h", "redis://:@h", "rediss-cluster://h/2", "redis:/h",
                         NULL};
    for (int i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(gw_redis_url_parse(bad[i], &t, err, sizeof(err)) == -1, "accepted %s", bad[i]);
        gw_redis_target_clear(&t);
    }
}
END_TEST

START_TEST(config_defaults)
{
    struct gw_config c;
    char err[256];
    const char *vars[] = {NULL};
    ck_assert_int_eq(load_with(vars, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.listen_host, "0.0.0.0");
    ck_assert_int_eq(c.listen_port, 8080);
    ck_assert_int_eq(c.sla.seconds[GW_SEV_CRITICAL], 4 * 3600);
    ck_assert_int_eq(c.sla.seconds[GW_SEV_LOW], 168 * 3600);
    ck_assert_int_eq(c.max_body, 5 * 1024 * 1024);
    ck_assert_int_eq(c.delivery_ttl, 7 * 86400);
    ck_assert_int_eq(c.digest_at_minute, 9 * 60);
    ck_assert_int_eq(c.default_severity, GW_SEV_MEDIUM);
    ck_assert_uint_eq(c.github_secrets.n, 0);
    ck_assert_str_eq(c.canary_environments.items[0], "*canary*");
    gw_config_free(&c);
}
END_TEST

START_TEST(config_values_and_files)
{
    struct gw_config c;
    char err[256], path[] = "/tmp/kz-secret-XXXXXX", env_file[300];
    secret_file(path, "KAIZEN_ADMIN_TOKEN_FILE", env_file, sizeof(env_file));
    const char *vars[] = {"KAIZEN_LISTEN=127.0.0.1:9090", "KAIZEN_SLA=critical=1h,low=2d",
                          "KAIZEN_GITHUB_SECRET=a,b", env_file, "KAIZEN_MAX_BODY=1KiB",
                          "KAIZEN_DIGEST_EVERY=30s", "KAIZEN_TICKET_LABELS=incident, bug", NULL};
    ck_assert_int_eq(load_with(vars, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.listen_host, "127.0.0.1");
    ck_assert_int_eq(c.listen_port, 9090);
    ck_assert_int_eq(c.sla.seconds[GW_SEV_CRITICAL], 3600);
    ck_assert_int_eq(c.sla.seconds[GW_SEV_HIGH], 24 * 3600);
    ck_assert_int_eq(c.sla.seconds[GW_SEV_LOW], 2 * 86400);
    ck_assert_uint_eq(c.github_secrets.n, 2);
    ck_assert_str_eq(c.admin_token, "from-file");
    ck_assert_int_eq(c.max_body, 1024);
    ck_assert_int_eq(c.digest_every, 30);
    ck_assert(gw_strlist_contains(&c.ticket_labels, "bug"));
    ck_assert_str_eq(c.slack_api_url, "https://slack.com/api");
    ck_assert_int_eq(c.header_timeout, 5);
    ck_assert_int_eq(c.max_inflight_body, 32 * 1024 * 1024);
    gw_config_free(&c);
    unlink(path);
    /* Web API mode: token and channel; the base URL loses its trailing '/'. */
    const char *web[] = {"KAIZEN_SLACK_BOT_TOKEN=xoxb-1", "KAIZEN_SLACK_CHANNEL=C0SRE",
                         "KAIZEN_SLACK_API_URL=http://127.0.0.1:9/api/", NULL};
    ck_assert_int_eq(load_with(web, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.slack_api_url, "http://127.0.0.1:9/api");
    ck_assert_str_eq(c.slack_channel, "C0SRE");
    gw_config_free(&c);
    const char *both[] = {"KAIZEN_SLACK_BOT_TOKEN=xoxb-1", "KAIZEN_SLACK_CHANNEL=C0SRE",
                          "KAIZEN_SLACK_WEBHOOK_URL=https://hooks.slack.com/x", NULL};
    ck_assert_int_eq(load_with(both, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "KAIZEN_SLACK_BOT_TOKEN"));
    gw_config_free(&c);
}
END_TEST

/* ACL users: the variables override the URL's; the Sentinels have their own. */
START_TEST(config_redis_users)
{
    struct gw_config c;
    char err[256], path[] = "/tmp/kz-redis-pw-XXXXXX", env_file[300];
    secret_file(path, "KAIZEN_REDIS_PASSWORD_FILE", env_file, sizeof(env_file));
    const char *vars[] = {"KAIZEN_REDIS_URL=redis-sentinel://url-user:url-pw@s1/0?master=m",
                          "KAIZEN_REDIS_USERNAME=kaizen", env_file,
                          "KAIZEN_REDIS_SENTINEL_USERNAME=watcher",
                          "KAIZEN_REDIS_SENTINEL_PASSWORD=s-pw", NULL};
    ck_assert_int_eq(load_with(vars, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.redis.auth.username, "kaizen");
    ck_assert_str_eq(c.redis.auth.password, "from-file");
    ck_assert_str_eq(c.redis.sentinel_auth.username, "watcher");
    ck_assert_str_eq(c.redis.sentinel_auth.password, "s-pw");
    /* --check-config shows the user, never a password */
    char *shown = NULL;
    size_t shown_len = 0;
    FILE *out = open_memstream(&shown, &shown_len);
    gw_config_print_effective(&c, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(shown, "redis-sentinel://kaizen:(password set)@s1:26379/0"));
    ck_assert_ptr_null(strstr(shown, "from-file"));
    ck_assert_ptr_null(strstr(shown, "url-pw"));
    ck_assert_ptr_null(strstr(shown, "s-pw"));
    free(shown);
    gw_config_free(&c);
    unlink(path);
    /* the URL's user stays when only the password is overridden */
    const char *pw_only[] = {"KAIZEN_REDIS_URL=redis://u:old@h", "KAIZEN_REDIS_PASSWORD=new", NULL};
    ck_assert_int_eq(load_with(pw_only, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.redis.auth.username, "u");
    ck_assert_str_eq(c.redis.auth.password, "new");
    gw_config_free(&c);
}
END_TEST

/* Each invalid value fails with one line that names the variable. */
START_TEST(config_errors_name_the_variable)
{
    static const struct { const char *var, *name; } cases[] = {
        {"KAIZEN_LISTEN=nonsense", "KAIZEN_LISTEN"},
        {"KAIZEN_LISTEN=1.2.3.4:99999", "KAIZEN_LISTEN"},
        {"KAIZEN_REDIS_URL=http://x", "KAIZEN_REDIS_URL"},
        {"KAIZEN_SLA=critical=forever", "KAIZEN_SLA"},
        {"KAIZEN_SLA=urgent=1h", "KAIZEN_SLA"},
        {"KAIZEN_DEFAULT_SEVERITY=meh", "KAIZEN_DEFAULT_SEVERITY"},
        {"KAIZEN_SLA_WARN=soon", "KAIZEN_SLA_WARN"},
        {"KAIZEN_CHECK_EVERY=0", "KAIZEN_CHECK_EVERY"},
        {"KAIZEN_MAX_BODY=lots", "KAIZEN_MAX_BODY"},
        {"KAIZEN_DELIVERY_TTL=-1", "KAIZEN_DELIVERY_TTL"},
        {"KAIZEN_DIGEST_AT=25:00", "KAIZEN_DIGEST_AT"},
        {"KAIZEN_DIGEST_EVERY=often", "KAIZEN_DIGEST_EVERY"},
        {"KAIZEN_DRY_RUN=maybe", "KAIZEN_DRY_RUN"},
        {"KAIZEN_LOG_LEVEL=loud", "KAIZEN_LOG_LEVEL"},
        {"KAIZEN_SLACK_WEBHOOK_URL=ftp://x", "KAIZEN_SLACK_WEBHOOK_URL"},
        {"KAIZEN_GITHUB_SECRET_FILE=/nonexistent/secret", "KAIZEN_GITHUB_SECRET_FILE"},
        {"KAIZEN_MAX_CONNECTIONS=0", "KAIZEN_MAX_CONNECTIONS"},
        {"KAIZEN_GITHUB_SECRET=,,", "KAIZEN_GITHUB_SECRET"},
        {"KAIZEN_SLACK_BOT_TOKEN=xoxb-1", "KAIZEN_SLACK_CHANNEL"},
        {"KAIZEN_SLACK_API_URL=slack.com/api", "KAIZEN_SLACK_API_URL"},
        {"KAIZEN_HEADER_TIMEOUT=60s", "KAIZEN_HEADER_TIMEOUT"},
        {"KAIZEN_MAX_INFLIGHT_BODY=1KiB", "KAIZEN_MAX_INFLIGHT_BODY"},
        {"KAIZEN_GITHUB_SECRET= , ", "KAIZEN_GITHUB_SECRET"},
        {"KAIZEN_REDIS_USERNAME=kaizen", "KAIZEN_REDIS_USERNAME"},
        {"KAIZEN_REDIS_SENTINEL_USERNAME=watcher", "KAIZEN_REDIS_SENTINEL_USERNAME"},
        /* TLS settings with a plaintext URL: never a silent plaintext connection */
        {"KAIZEN_REDIS_TLS_CA_FILE=/etc/ssl/certs/ca-certificates.crt", "KAIZEN_REDIS_TLS_CA_FILE"},
        {"KAIZEN_REDIS_TLS_SERVER_NAME=redis.internal", "KAIZEN_REDIS_TLS_SERVER_NAME"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gw_config c;
        char err[256];
        const char *vars[] = {cases[i].var, NULL};
        ck_assert_msg(load_with(vars, &c, err, sizeof(err)) == -1, "accepted %s", cases[i].var);
        ck_assert_msg(strncmp(err, cases[i].name, strlen(cases[i].name)) == 0,
                      "error for %s does not name it: %s", cases[i].var, err);
        ck_assert_ptr_null(strchr(err, '\n'));
        gw_config_free(&c);
    }
    /* both forms of a secret at once */
    struct gw_config c;
    char err[256];
    const char *vars[] = {"KAIZEN_ADMIN_TOKEN=x", "KAIZEN_ADMIN_TOKEN_FILE=/etc/hostname", NULL};
    ck_assert_int_eq(load_with(vars, &c, err, sizeof(err)), -1);
    ck_assert(strstr(err, "KAIZEN_ADMIN_TOKEN") == err);
    gw_config_free(&c);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("hmac_config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, github_documented_vector);
    tcase_add_test(tc, slack_documented_vector_and_rejections);
    tcase_add_test(tc, verify_rotation_and_rejections);
    tcase_add_test(tc, consttime_equal);
    tcase_add_test(tc, redis_urls);
    tcase_add_test(tc, config_defaults);
    tcase_add_test(tc, config_values_and_files);
    tcase_add_test(tc, config_redis_users);
    tcase_add_test(tc, config_errors_name_the_variable);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
