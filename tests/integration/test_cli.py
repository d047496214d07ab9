"""The binary's command line: flags, config errors (exit 2, one line naming
the variable), --check-config and the sign subcommand."""

import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE_DIR, clean_env, main


def run(args, env=None, stdin=None):
    return subprocess.run([BIN] + args, env=clean_env(**(env or {})), input=stdin,
                          capture_output=True, timeout=30)


class Cli(unittest.TestCase):
    def test_version_and_help(self):
        p = run(["--version"])
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.decode(), r"^kaizen-gateway \d+\.\d+\.\d+ \(tls: (yes|no), "
                         r"hiredis \d+\.\d+\.\d+ with(out)? hiredis_ssl\)\n$")
        p = run(["--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("--check-config", p.stdout.decode())
        self.assertIn("sign --secret", p.stdout.decode())
        self.assertEqual(run(["--bogus"]).returncode, 2)

    def test_invalid_values_exit_2_naming_the_variable(self):
        cases = {
            "KAIZEN_LISTEN": "nowhere",
            "KAIZEN_REDIS_URL": "mysql://db",
            "KAIZEN_SLA": "critical=soon",
            "KAIZEN_MAX_BODY": "huge",
            "KAIZEN_DELIVERY_TTL": "forever",
            "KAIZEN_CHECK_EVERY": "0s",
            "KAIZEN_LOG_LEVEL": "chatty",
            "KAIZEN_GITHUB_SECRET_FILE": "/nonexistent",
        }
        for var, value in cases.items():
            for args in ([], ["--check-config"]):
                p = run(args, env={var: value})
                self.assertEqual(p.returncode, 2, (var, p.stderr))
                err = p.stderr.decode()
                self.assertEqual(err.count("\n"), 1, err)
                self.assertIn(var, err)

    def test_check_config_summary_hides_secrets(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("file-secret-value\n")
        try:
            p = run(["--check-config"], env={
                "KAIZEN_GITHUB_SECRET_FILE": f.name,
                "KAIZEN_ADMIN_TOKEN": "admin-token-value",
                "KAIZEN_REDIS_URL": "redis://:redis-pass@127.0.0.1:6380/1",
                "KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates"),
            })
        finally:
            os.unlink(f.name)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("configuration is valid", out)
        self.assertIn("redis://:(password set)@127.0.0.1:6380/1", out)
        for secret in ("file-secret-value", "admin-token-value", "redis-pass"):
            self.assertNotIn(secret, out + p.stderr.decode())

    def test_check_config_prints_every_effective_setting(self):
        p = run(["--check-config"], env={
            "KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates"),
            "KAIZEN_REQUEST_TIMEOUT": "3s",            # the header timeout follows it down
            "KAIZEN_REDIS_URL": "redis-sentinel://:pw@127.0.0.1:26379/0?master=m",
            "KAIZEN_DIGEST_AT": "07:30",
            "KAIZEN_SLACK_SIGNING_SECRET": "sign-me",
        })
        self.assertEqual(p.returncode, 0, p.stderr)
        settings = {}
        for line in p.stdout.decode().splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0].startswith("KAIZEN_"):
                settings[parts[0]] = parts[1]
        help_names = [line.split()[0] for line in run(["--help"]).stdout.decode().splitlines()
                      if line.startswith("  KAIZEN_")]
        self.assertEqual(sorted(settings), sorted(help_names))    # every variable, once
        self.assertEqual(settings["KAIZEN_PAGER_URL"], "https://events.pagerduty.com/v2/enqueue")
        self.assertEqual(settings["KAIZEN_DIGEST_AT"], "07:30")
        self.assertEqual(settings["KAIZEN_CHECK_EVERY"], "30s")
        self.assertEqual(settings["KAIZEN_HEADER_TIMEOUT"], "3s")
        self.assertEqual(settings["KAIZEN_REDIS_MIN_REPLICAS"], "1")   # Sentinel's default
        self.assertEqual(settings["KAIZEN_SLACK_SIGNING_SECRET"], "(set)")
        self.assertNotIn("sign-me", p.stdout.decode())
        self.assertNotIn(":pw@", p.stdout.decode())

    def test_a_misspelt_variable_is_caught(self):
        env = {"KAIZEN_TEMPLATES_DIR": os.path.join(SOURCE_DIR, "templates"),
               "KAIZEN_SLACK_CHANEL": "C0SRE"}
        p = run(["--check-config"], env=env)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr.decode(), "kaizen-gateway: unknown variable KAIZEN_SLACK_CHANEL "
                                            "(did you mean KAIZEN_SLACK_CHANNEL?)\n")
        # a secret's _FILE form is known; a name close to nothing gets no guess
        env.pop("KAIZEN_SLACK_CHANEL")
        with tempfile.NamedTemporaryFile("w") as f:
            f.write("x\n")
            f.flush()
            p = run(["--check-config"], env=dict(env, KAIZEN_ADMIN_TOKEN_FILE=f.name))
            self.assertEqual(p.returncode, 0, p.stderr)
        p = run(["--check-config"], env=dict(env, KAIZEN_SOMETHING_ELSE_ENTIRELY="1"))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr.decode(),
                         "kaizen-gateway: unknown variable KAIZEN_SOMETHING_ELSE_ENTIRELY\n")

    def test_a_misspelt_variable_is_logged_at_start_up(self):
        env = clean_env(KAIZEN_LISTEN="127.0.0.1:0", KAIZEN_REDIS_URL="unix:///nonexistent/redis.sock",
                        KAIZEN_TEMPLATES_DIR=os.path.join(SOURCE_DIR, "templates"),
                        KAIZEN_DIGEST_EVRY="30s")
        p = subprocess.Popen([BIN], env=env, stderr=subprocess.PIPE)
        try:
            lines = []
            for line in p.stderr:     # bounded: the gateway logs "listening" at once
                lines.append(json.loads(line))
                if lines[-1]["msg"] == "listening":
                    break
        finally:
            p.terminate()
            p.communicate(timeout=30)
        warned = [l for l in lines if l["msg"] == "unknown variable; it is ignored"]
        self.assertEqual(len(warned), 1, lines)
        self.assertEqual((warned[0]["level"], warned[0]["variable"], warned[0]["did_you_mean"]),
                         ("warn", "KAIZEN_DIGEST_EVRY", "KAIZEN_DIGEST_EVERY"))

    def test_conflicting_settings_name_both_variables(self):
        p = run(["--check-config"], env={"KAIZEN_SLACK_BOT_TOKEN": "xoxb-1",
                                        "KAIZEN_SLACK_WEBHOOK_URL": "https://hooks.slack.com/x"})
        self.assertEqual(p.returncode, 2)
        err = p.stderr.decode()
        self.assertIn("KAIZEN_SLACK_BOT_TOKEN", err)
        self.assertIn("KAIZEN_SLACK_WEBHOOK_URL", err)
        self.assertIn("not both", err)

    def test_sign_matches_hmac(self):
        body = b'{"zen":"Design for failure."}\n'
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        p = run(["sign", "--secret", "s3cret"], stdin=body)
        self.assertEqual((p.returncode, p.stdout.decode().strip()), (0, expected))
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(body)
        try:
            p = run(["sign", "--secret", "s3cret", f.name])
        finally:
            os.unlink(f.name)
        self.assertEqual(p.stdout.decode().strip(), expected)
        p = run(["sign", "--secret", "It's a Secret to Everybody"], stdin=b"Hello, World!")
        self.assertEqual(p.stdout.decode().strip(),
                         "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        self.assertEqual(run(["sign"]).returncode, 2)

    def test_sign_slack_matches_slacks_scheme(self):
        body = b"payload=%7B%22type%22%3A%22block_actions%22%7D"
        ts = "1700000000"
        base = b"v0:" + ts.encode() + b":" + body
        expected = "v0=" + hmac.new(b"signing", base, hashlib.sha256).hexdigest()
        p = run(["sign", "--slack", "--secret", "signing", "--timestamp", ts], stdin=body)
        self.assertEqual((p.returncode, p.stdout.decode().strip()), (0, expected))
        for bad in (["sign", "--slack", "--secret", "s"],                       # no timestamp
                    ["sign", "--secret", "s", "--timestamp", "1"],             # not --slack
                    ["sign", "--slack", "--secret", "s", "--timestamp", "1x"]):
            self.assertEqual(run(bad, stdin=b"").returncode, 2, bad)
        self.assertEqual(run(["sign", "--secret", "x", "/nonexistent"]).returncode, 2)

    def test_sleep_is_the_prestop_hook(self):
        # The image has no /bin/sleep; the Kubernetes preStop hook runs this.
        p = run(["sleep", "0"])
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, b"", b""))
        for bad in (["sleep"], ["sleep", "x"], ["sleep", "-1"], ["sleep", "301"], ["sleep", "1", "2"]):
            p = run(bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn(b"usage: kaizen-gateway sleep", p.stderr)


if __name__ == "__main__":
    main()
