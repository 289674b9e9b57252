"""TLS on both sides: `bind ... ssl crt <pem>` terminates TLS (the `ssl_fc` ACL sees it) and
`server ... ssl verify none` re-encrypts towards a TLS server; certificates made with openssl."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from hacore.config import load_texts
from hacore.proxy.dataplane import DataPlane

BOUND = 10.0
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def make_pem(directory: Path) -> Path:
    key, cert = directory / "k.pem", directory / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=test.local", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    pem = directory / "site.pem"
    pem.write_text(cert.read_text() + key.read_text())
    return pem


@pytest.mark.asyncio
async def test_tls_termination_and_tls_to_the_server(tmp_path: Path, unused_tcp_port: int) -> None:
    pem = make_pem(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(str(pem))

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\norigin")
        await writer.drain()
        writer.close()

    backend = await asyncio.start_server(origin, "127.0.0.1", 0, ssl=server_context)
    port = backend.sockets[0].getsockname()[1]
    text = ("defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n"
            f"    timeout server 5s\nfrontend fe\n    bind 127.0.0.1:{unused_tcp_port} ssl crt {pem}\n"
            "    http-request deny unless { ssl_fc }\n    default_backend be\n"
            f"backend be\n    server s1 127.0.0.1:{port} ssl verify none\n")
    config = load_texts([("t.cfg", text)], env={})
    assert config.haproxy is not None
    plane = DataPlane(config.haproxy)
    await plane.start()
    client = ssl.create_default_context()
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port, ssl=client)
        writer.write(b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), BOUND)
        writer.close()
    finally:
        await plane.stop()
        backend.close()
        await backend.wait_closed()
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"origin")
