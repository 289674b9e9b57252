"""TLS termination for `bind ... ssl crt <pem>` with the stdlib: HAProxy's PEM holds the
certificate chain and the private key in one file; a directory holds several, chosen by SNI
(the first one loaded is the default). ALPN offers http/1.1."""

from __future__ import annotations

import os
import ssl

from hacore.config.haproxy_model import Bind


def _pem_files(path: str) -> list[str]:
    if os.path.isdir(path):
        return [os.path.join(path, name) for name in sorted(os.listdir(path))
                if os.path.isfile(os.path.join(path, name)) and not name.startswith(".")]
    return [path]


def _context(pem: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    context.set_alpn_protocols(["http/1.1"])
    return context


def tls_context(bind: Bind, crt_base: str | None) -> ssl.SSLContext:
    """Raises OSError/ssl.SSLError naming the file that cannot be used."""
    files: list[str] = []
    for crt in bind.crt:
        path = crt if os.path.isabs(crt) or crt_base is None else os.path.join(crt_base, crt)
        files.extend(_pem_files(path))
    if not files:
        raise OSError(f"bind {bind.host or '*'}:{bind.port} ({bind.location}): no certificate")
    contexts = {}
    for path in files:
        try:
            contexts[path] = _context(path)
        except (OSError, ssl.SSLError) as error:
            raise OSError(f"bind {bind.host or '*'}:{bind.port} ({bind.location}): cannot load "
                          f"certificate '{path}': {error}") from None
    default = contexts[files[0]]
    if len(contexts) > 1:
        by_name = _names(contexts)

        def choose(sock: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext) -> None:
            chosen = by_name.get((server_name or "").lower())
            if chosen is not None:
                sock.context = chosen

        default.sni_callback = choose
    return default


def _names(contexts: dict[str, ssl.SSLContext]) -> dict[str, ssl.SSLContext]:
    """Certificate names → context, from each file's subject CN and DNS subjectAltNames."""
    names: dict[str, ssl.SSLContext] = {}
    for path, context in contexts.items():
        info = ssl._ssl._test_decode_cert(path)  # type: ignore[attr-defined]
        for kind, value in info.get("subjectAltName", ()):
            if kind == "DNS":
                names.setdefault(value.lower(), context)
        for rdn in info.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    names.setdefault(value.lower(), context)
    return names
