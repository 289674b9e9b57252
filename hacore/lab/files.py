"""The course's files, adapted to the lab and nothing else: addresses move from the course's
192.168.1.0/24 to the lab's 198.18.0.0/24 (servers .21-.23, VIP .100), the certificate path
points at one made for the lab, the `killall -0 haproxy` track script (which sees every
process of the host, not the node's) becomes a check of that node's hacore, and notify.sh
(which would run `systemctl start haproxy`) becomes a script that logs its arguments."""

from __future__ import annotations

import re
import subprocess
from importlib import resources
from pathlib import Path

COURSE = resources.files("hacore.lab") / "course"
VIP = "198.18.0.100"


def _course(name: str) -> str:
    return (COURSE / name).read_text()


def make_certificate(directory: Path) -> Path:
    """A self-signed certificate and key in one PEM, as HAProxy's `crt` expects."""
    key, cert = directory / "site.key", directory / "site.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=lab.hacore", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    pem = directory / "site.pem"
    pem.write_text(cert.read_text() + key.read_text())
    return pem


def haproxy_cfg(pem: Path) -> str:
    text = _course("haproxy.cfg")
    text = re.sub(r"192\.168\.1\.1(\d)", r"198.18.0.2\1", text)
    return text.replace("/etc/haproxy/certs/site.pem", str(pem))


def keepalived_conf(node: str, directory: Path, pid_file: Path) -> str:
    text = _course(f"keepalived-{node}.conf").replace("192.168.1.100/24", f"{VIP}/24")
    check = directory / f"check-{node}.sh"
    check.write_text(f"#!/bin/sh\nexec kill -0 \"$(cat {pid_file})\"\n")
    check.chmod(0o755)
    notify = directory / "notify.sh"
    notify.write_text(f"#!/bin/sh\necho \"$(date +%s.%N) $*\" >> {directory}/notify.log\n")
    notify.chmod(0o755)
    text = text.replace("/usr/bin/killall -0 haproxy", str(check))
    return text.replace("/etc/keepalived/notify.sh", str(notify))
