"""Throwaway certificates for TLS tests and demos, made with Debian's openssl command line
(EC P-256 keys: instant to generate), in a temporary directory.

    certs = Certs.make()                   # a CA, a server certificate for 127.0.0.1/localhost
    certs.leaf("alice", cn="alice")        # a client certificate signed by the same CA
    certs.path("server.crt")

Files: ca.crt/ca.key (the test CA), server.crt/server.key (CN localhost, SAN DNS:localhost,
IP:127.0.0.1, IP:::1), other_ca.crt (a CA that signed nothing here: verification against it
fails). A leaf's SAN list is given as OpenSSL writes it ("DNS:x,IP:1.2.3.4").
"""

import os
import shutil
import subprocess
import tempfile

CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class Certs:
    def __init__(self, directory):
        self.dir = directory

    @classmethod
    def make(cls, directory=None):
        certs = cls(directory or tempfile.mkdtemp(prefix="tombstone-certs-"))
        os.chmod(certs.dir, 0o755)
        certs.ca("ca")
        certs.ca("other_ca")
        certs.leaf("server", cn="localhost", san="DNS:localhost,IP:127.0.0.1,IP:::1")
        return certs

    def path(self, name):
        return os.path.join(self.dir, name)

    def ca(self, name):
        _openssl("req", "-x509", "-new", *CURVE, "-keyout", f"{name}.key", "-out", f"{name}.crt",
                 "-days", "3", "-subj", f"/CN=tombstone test {name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)

    def leaf(self, name, cn, san=None, ca="ca"):
        """A certificate and key signed by `ca`: NAME.crt and NAME.key (mode 0600)."""
        _openssl("req", "-new", *CURVE, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={cn}", cwd=self.dir)
        ext = os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            if san:
                f.write(f"subjectAltName={san}\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "3", "-extfile", ext,
                 cwd=self.dir)
        os.chmod(self.path(f"{name}.key"), 0o600)
        return self.path(f"{name}.crt"), self.path(f"{name}.key")

    def copy_for(self, names, directory, uid=None):
        """Copies files into directory (owned by uid, keys 0600), as PostgreSQL wants its key:
        returns their new paths."""
        out = []
        for name in names:
            dst = os.path.join(directory, name)
            shutil.copyfile(self.path(name), dst)
            os.chmod(dst, 0o600 if name.endswith(".key") else 0o644)
            if uid is not None:
                os.chown(dst, uid, -1)
            out.append(dst)
        return out

    def der(self, name):
        """The DER bytes of a certificate, as ssl.SSLSocket.getpeercert(True) gives them."""
        return subprocess.run(["openssl", "x509", "-in", self.path(name), "-outform", "DER"],
                              check=True, stdout=subprocess.PIPE).stdout

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)
