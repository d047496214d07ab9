"""Certificates for the Redis TLS tests, made with the openssl command in a
temp dir when a test runs: nothing is checked in, nothing expires between a
commit and a run. Every validity period is relative to now (an "expired"
certificate ended an hour ago)."""

import os
import shutil
import subprocess
import tempfile
import time


def _openssl(*args, cwd):
    subprocess.run(("openssl",) + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=60)


def _stamp(t):
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


class CA:
    """A certificate authority in its own directory; issue() signs leaves."""

    def __init__(self, name="kaizen-test-ca", root=None):
        self.dir = tempfile.mkdtemp(prefix="kz-ca-", dir=root)
        self.name = name
        self.cert = os.path.join(self.dir, "ca.crt")
        self.key = os.path.join(self.dir, "ca.key")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=" + name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)
        self.serial = 0

    def issue(self, name, san=None, client=False, expired=False):
        """(certificate, key) paths of a leaf for CN name, with subjectAltName san
        (default "DNS:localhost,IP:127.0.0.1"); expired: it ended an hour ago."""
        self.serial += 1
        base = os.path.join(self.dir, "%s-%d" % (name, self.serial))
        ext = base + ".ext"
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            # A server's certificate is a client's too: replicas, Sentinels and a
            # cluster's bus connect to each other with it.
            f.write("extendedKeyUsage=%s\n" % ("clientAuth" if client else "serverAuth,clientAuth"))
            if not client:
                f.write("subjectAltName=%s\n" % (san or "DNS:localhost,IP:127.0.0.1"))
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name,
                 cwd=self.dir)
        now = time.time()
        validity = (["-not_before", _stamp(now - 2 * 86400), "-not_after", _stamp(now - 3600)]
                    if expired else ["-days", "2"])
        _openssl("x509", "-req", "-in", base + ".csr", "-CA", self.cert, "-CAkey", self.key,
                 "-set_serial", str(int(now * 1000) % 10 ** 12 + self.serial), "-extfile", ext,
                 "-out", base + ".crt", *validity, cwd=self.dir)
        os.chmod(base + ".key", 0o644)   # read by redis-server and the gateway alike
        return base + ".crt", base + ".key"

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def copy_file(src, dst):
    """Replaces dst with src's bytes at once (a rename), as a Secret update does."""
    tmp = dst + ".new"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
