"""Redis over TLS (rediss://) with ACL users: the gateway against real
redis-server and valkey-server processes listening with --tls-port only,
certificates made by openssl in the test (certs.py).

* Webhooks are accepted and stored over TLS as an ACL user that has exactly
  the commands docs/redis.md lists, on every engine installed.
* The wrong CA, an expired server certificate, a name mismatch, a server
  that does not speak TLS, a missing or refused client certificate and a
  wrong password each keep /readyz at 503, acknowledge nothing, and say why
  in the log (OpenSSL's words; WRONGPASS), counted in
  kaizen_redis_errors_total{kind="tls"} for the TLS ones. Fixing the CA
  file recovers without a restart: the files are read for every connection.
* --check-config reads the TLS files and refuses missing, unparsable or
  mismatched ones (exit 2, one line naming the variable).

On a build without TLS (Debian 12: hiredis 0.14 has no hiredis_ssl) a
rediss URL exits 2 with one line, and the TLS cases are skipped."""

import glob
import os
import re
import subprocess
import time
import unittest

from certs import CA, copy_file
from harness import (BIN, SOURCE_DIR, Gateway, Redis, clean_env, documented_acl, engines,
                     issue, main, tls_built, wait_for)

TLS = tls_built()
PASSWORD = "kaizen-acl-pw"


def run(args, env):
    return subprocess.run([BIN] + args, env=clean_env(**env), capture_output=True, timeout=30)


class _NotReady(Gateway):
    """A gateway that is not expected to become ready."""

    def start(self, wait_ready=False):
        super().start(wait_ready=False)


class Acl(unittest.TestCase):
    def test_the_documented_acl_names_every_command_the_code_sends(self):
        allowed = {a[1:].split("|")[0].upper() for a in documented_acl("x") if a.startswith("+")}
        used = set()
        for path in glob.glob(os.path.join(SOURCE_DIR, "gateway", "store", "lua", "**", "*.lua"),
                              recursive=True):
            with open(path) as f:
                used |= set(re.findall(r"redis\.p?call\(\s*['\"]([A-Za-z]+)['\"]", f.read()))
        # ticket.lua's index helper calls ZADD or ZREM through a variable
        used |= {"ZADD", "ZREM"}
        for path in glob.glob(os.path.join(SOURCE_DIR, "gateway", "**", "*.c"), recursive=True):
            with open(path) as f:
                used |= set(re.findall(r'\[\] = \{"([A-Z]+)"', f.read()))
        used |= {"EVALSHA"}                             # args.c writes its header by hand
        used = {c.upper() for c in used} - {"AUTH", "SENTINEL"}   # always allowed; Sentinels'
        self.assertEqual(used - allowed, set(), "commands the code sends but the ACL refuses")


@unittest.skipIf(TLS, "this build has TLS")
class WithoutTLS(unittest.TestCase):
    def test_a_rediss_url_exits_2_with_one_line(self):
        for url in ("rediss://127.0.0.1:6380/0", "rediss-sentinel://127.0.0.1:26379/0?master=m",
                    "rediss-cluster://127.0.0.1:7000"):
            for args in ([], ["--check-config"]):
                p = run(args, {"KAIZEN_REDIS_URL": url,
                               "KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates")})
                err = p.stderr.decode()
                self.assertEqual(p.returncode, 2, err)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn("KAIZEN_REDIS_URL: this build has no TLS", err)
        self.assertIn("(tls: no,", run(["--version"], {}).stdout.decode())

    def test_build_info_says_no_tls(self):
        redis = Redis()
        gw = Gateway(redis.url)
        try:
            self.assertEqual(gw.metric("kaizen_build_info", version=self._version(), tls="no"), 1)
        finally:
            gw.close()
            redis.close()

    def _version(self):
        return run(["--version"], {}).stdout.decode().split()[1]


@unittest.skipUnless(TLS, "this build has no TLS (hiredis without hiredis_ssl)")
class OverTLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca = CA()
        cls.other_ca = CA("another-ca")
        cls.cert, cls.key = cls.ca.issue("redis")                      # localhost, 127.0.0.1
        cls.named, cls.named_key = cls.ca.issue("redis-named", san="DNS:redis.test")
        cls.expired, cls.expired_key = cls.ca.issue("redis-old", expired=True)
        cls.client, cls.client_key = cls.ca.issue("kaizen-gateway", client=True)
        cls.stranger, cls.stranger_key = cls.other_ca.issue("stranger", client=True)

    @classmethod
    def tearDownClass(cls):
        cls.ca.close()
        cls.other_ca.close()

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for close in reversed(self.closers):
            close()

    def server(self, engine=None, cert=None, key=None, auth_clients=False, acl=True):
        tls = {"cert": cert or self.cert, "key": key or self.key, "ca": self.ca.cert,
               "auth_clients": auth_clients, "client_cert": self.client,
               "client_key": self.client_key}
        r = Redis(engine=engine, tls=tls)
        self.closers.append(r.close)
        if acl:
            self.assertEqual(r.command("ACL", "SETUSER", *documented_acl(PASSWORD)), "OK")
        return r

    def gateway(self, url, ready=True, **env):
        env.setdefault("KAIZEN_REDIS_TLS_CA_FILE", self.ca.cert)
        gw = (Gateway if ready else _NotReady)(url, **env)

        def close():
            rc, log = gw.close()
            self.assertIn(rc, (0, None), log[-3000:])
            self.assertNotIn("AddressSanitizer", log)
            self.assertNotIn(PASSWORD, log)       # never a password in the log
            self.assertNotIn("PRIVATE KEY", log)
        self.closers.append(close)
        return gw

    @staticmethod
    def acl_url(redis, password=PASSWORD, scheme="rediss"):
        return "%s://kaizen:%s@127.0.0.1:%d/0" % (scheme, password, redis.port)

    def refused(self, gw, redis, reason):
        """/readyz stays 503, the reason is logged and counted, nothing is acknowledged."""
        wait_for(lambda: reason in gw.read_log(), timeout=30, what="log: " + reason)
        self.assertEqual(gw.request("GET", "/readyz")[0], 503)
        for n in range(3):
            status, body = gw.github("issues", issue(number=900 + n))
            self.assertEqual(status, 503, body)
        self.assertEqual(redis.command("HKEYS", "{kz}:ticket"), [])
        self.assertEqual(gw.metric("kaizen_redis_up"), 0)

    def assert_tls_counted(self, gw):
        wait_for(lambda: gw.metric("kaizen_redis_errors_total", kind="tls") >= 1, timeout=10,
                 what='kaizen_redis_errors_total{kind="tls"}')

    # --- it works ---------------------------------------------------------------

    def test_webhooks_are_stored_over_tls_as_an_acl_user_on_every_engine(self):
        for engine in engines():
            with self.subTest(engine=engine):
                redis = self.server(engine)
                gw = self.gateway(self.acl_url(redis))
                numbers = range(1, 21)
                for n in numbers:
                    status, body = gw.github("issues", issue(number=n))
                    self.assertEqual(status, 202, body)
                stored = redis.command("HKEYS", "{kz}:ticket")
                self.assertEqual(sorted(stored), sorted("gh:octo-org/api#%d" % n for n in numbers))
                # The rest of the API runs on the same user: scripts, feeds, digests.
                self.assertEqual(len(gw.tickets("?limit=100")), 20)
                self.assertEqual(gw.request("GET", "/feeds/tickets.rss")[0], 200)
                self.assertEqual(gw.json("POST", "/api/digest")[0], 202)
                version = run(["--version"], {}).stdout.decode().split()[1]
                self.assertEqual(gw.metric("kaizen_build_info", version=version, tls="yes"), 1)
                self.assertEqual(gw.metric("kaizen_redis_errors_total", kind="tls"), 0)
                log = gw.read_log()
                self.assertNotIn("NOPERM", log)
                # the server has no plaintext port: this was TLS
                self.assertEqual(redis.command("CONFIG", "GET", "port"), ["port", "0"])
                self.assertIn(" user=kaizen ", redis.command("CLIENT", "LIST"))

    def test_the_name_checked_is_the_server_name_when_set(self):
        redis = self.server(cert=self.named, key=self.named_key)
        gw = self.gateway(self.acl_url(redis), KAIZEN_REDIS_TLS_SERVER_NAME="redis.test")
        self.assertEqual(gw.github("issues", issue(number=7))[0], 202)

    def test_mutual_tls_with_the_client_certificate(self):
        redis = self.server(auth_clients=True)
        gw = self.gateway(self.acl_url(redis), KAIZEN_REDIS_TLS_CERT_FILE=self.client,
                          KAIZEN_REDIS_TLS_KEY_FILE=self.client_key)
        self.assertEqual(gw.github("issues", issue(number=8))[0], 202)
        self.assertEqual(redis.command("HKEYS", "{kz}:ticket"), ["gh:octo-org/api#8"])

    # --- it refuses, says why, and recovers once fixed ---------------------------

    def test_an_unknown_ca_is_refused_until_the_ca_file_is_fixed(self):
        redis = self.server()
        ca_file = os.path.join(self.ca.dir, "mounted-ca.pem")
        copy_file(self.other_ca.cert, ca_file)
        gw = self.gateway(self.acl_url(redis), ready=False, KAIZEN_REDIS_TLS_CA_FILE=ca_file)
        self.refused(gw, redis, "the server's certificate did not verify: self-signed certificate "
                                "in certificate chain")
        self.assert_tls_counted(gw)
        # The right CA, written where the old one was: the next connection reads it.
        copy_file(self.ca.cert, ca_file)
        fixed = time.monotonic()
        wait_for(lambda: gw.request("GET", "/readyz")[0] == 200, timeout=30, what="ready again")
        print("FIGURES tls-ca-fixed: ready_after_s=%.2f" % (time.monotonic() - fixed), flush=True)
        self.assertEqual(gw.github("issues", issue(number=1))[0], 202)
        self.assertEqual(redis.command("HKEYS", "{kz}:ticket"), ["gh:octo-org/api#1"])

    def test_an_expired_server_certificate_is_refused(self):
        redis = self.server(cert=self.expired, key=self.expired_key)
        gw = self.gateway(self.acl_url(redis), ready=False)
        self.refused(gw, redis, "the server's certificate did not verify: certificate has expired")
        self.assert_tls_counted(gw)

    def test_a_name_mismatch_is_refused(self):
        redis = self.server(cert=self.named, key=self.named_key)   # names redis.test only
        gw = self.gateway(self.acl_url(redis), ready=False)
        self.refused(gw, redis, "IP address mismatch (it must name 127.0.0.1)")
        gw2 = self.gateway(self.acl_url(redis), ready=False, KAIZEN_REDIS_TLS_SERVER_NAME="db.test")
        self.refused(gw2, redis, "hostname mismatch (it must name db.test)")
        self.assert_tls_counted(gw2)

    def test_a_server_that_does_not_speak_tls_is_refused(self):
        plain = Redis()
        self.closers.append(plain.close)
        gw = self.gateway("rediss://127.0.0.1:%d/0" % plain.port, ready=False,
                          KAIZEN_REDIS_TIMEOUT="1s")
        self.refused(gw, plain, "(is the server speaking TLS on this port?)")
        self.assert_tls_counted(gw)

    def test_mutual_tls_without_a_client_certificate_is_refused(self):
        redis = self.server(auth_clients=True)
        gw = self.gateway(self.acl_url(redis), ready=False)
        self.refused(gw, redis, "it asked for a client certificate, and "
                                "KAIZEN_REDIS_TLS_CERT_FILE is unset")
        self.assert_tls_counted(gw)

    def test_mutual_tls_with_a_certificate_the_server_refuses(self):
        redis = self.server(auth_clients=True)
        gw = self.gateway(self.acl_url(redis), ready=False, KAIZEN_REDIS_TLS_CERT_FILE=self.stranger,
                          KAIZEN_REDIS_TLS_KEY_FILE=self.stranger_key)
        self.refused(gw, redis, "it asked for our client certificate and may have refused "
                                "KAIZEN_REDIS_TLS_CERT_FILE")
        self.assert_tls_counted(gw)

    def test_a_wrong_password_is_wrongpass_and_not_ready(self):
        redis = self.server()
        gw = self.gateway(self.acl_url(redis, password="not-the-password"), ready=False)
        self.refused(gw, redis, "WRONGPASS")
        self.assertNotIn("not-the-password", gw.read_log())
        self.assertEqual(gw.metric("kaizen_redis_errors_total", kind="tls"), 0)

    # --- --check-config -----------------------------------------------------------

    def test_check_config_reads_the_tls_files(self):
        env = {"KAIZEN_REDIS_URL": "rediss://kaizen:%s@127.0.0.1:6380/0" % PASSWORD,
               "KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates"),
               "KAIZEN_REDIS_TLS_CA_FILE": self.ca.cert,
               "KAIZEN_REDIS_TLS_CERT_FILE": self.client,
               "KAIZEN_REDIS_TLS_KEY_FILE": self.client_key}
        p = run(["--check-config"], env)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("redis             TLS, ACL user kaizen", out)
        self.assertIn("CA file %s: 1 certificate(s)" % self.ca.cert, out)
        self.assertIn("client certificate %s: /CN=kaizen-gateway, valid until" % self.client, out)
        self.assertIn("client key %s: matches the certificate" % self.client_key, out)
        with open(self.client_key) as f:
            key_body = f.read().splitlines()[1]
        self.assertNotIn(key_body, out + p.stderr.decode())
        self.assertNotIn(PASSWORD, out + p.stderr.decode())
        garbage = os.path.join(self.ca.dir, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a certificate\n")
        bad = {
            "KAIZEN_REDIS_TLS_CA_FILE": [{"KAIZEN_REDIS_TLS_CA_FILE": "/nonexistent/ca.pem"},
                                         {"KAIZEN_REDIS_TLS_CA_FILE": garbage}],
            "KAIZEN_REDIS_TLS_CERT_FILE": [{"KAIZEN_REDIS_TLS_CERT_FILE": garbage}],
            # the key of another certificate
            "KAIZEN_REDIS_TLS_KEY_FILE": [{"KAIZEN_REDIS_TLS_KEY_FILE": self.stranger_key},
                                          {"KAIZEN_REDIS_TLS_KEY_FILE": None}],
        }
        for var, changes in bad.items():
            for change in changes:
                e = dict(env)
                e.update(change)
                e = {k: v for k, v in e.items() if v is not None}
                for args in (["--check-config"], []):
                    p = run(args, e)
                    err = p.stderr.decode()
                    self.assertEqual(p.returncode, 2, (change, err))
                    self.assertEqual(err.count("\n"), 1, err)
                    self.assertIn("invalid configuration: " + var, err)


if __name__ == "__main__":
    main()
