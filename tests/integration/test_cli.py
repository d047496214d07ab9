"""The binary's command line: flags, config errors (exit 2, one line naming
the variable), --check-config and the sign subcommand."""

import hashlib
import hmac
import os
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE_DIR, main


def run(args, env=None, stdin=None):
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            full_env[k] = os.environ[k]
    full_env.update(env or {})
    return subprocess.run([BIN] + args, env=full_env, input=stdin, capture_output=True, timeout=30)


class Cli(unittest.TestCase):
    def test_version_and_help(self):
        p = run(["--version"])
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.decode(), r"^kaizen-gateway \d+\.\d+\.\d+\n$")
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
        self.assertIn("127.0.0.1:6380 db 1 (password set)", out)
        for secret in ("file-secret-value", "admin-token-value", "redis-pass"):
            self.assertNotIn(secret, out + p.stderr.decode())

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
