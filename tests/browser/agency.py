"""A stand-in for the agencies' own sites: one local HTTPS server answering for every agency host.

Start is a real 302 from the portal to https://<agency host>/..., and Playwright cannot route a redirected
request (microsoft/playwright#12527), so the browser really follows it: Chromium's host resolver maps every
agency host to this server (and every other name to nowhere), and the context accepts its self-signed
certificate. The server records each request and answers with a stub page naming the URL it was asked for.
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STUB_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Agency site (test stub)</title></head>
<body><h1>Agency site (test stub)</h1><p id="arrived-at">{url}</p></body></html>
"""


@dataclass
class AgencySite:
    hosts: frozenset[str]
    port: int
    visits: list[str] = field(default_factory=list)

    def resolver_rules(self) -> str:
        """For --host-resolver-rules: agency hosts to this server, every other name unresolvable."""
        rules = [f"MAP {host} 127.0.0.1:{self.port}" for host in sorted(self.hosts)]
        return ", ".join([*rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"])


@contextmanager
def agency_site(hosts: Iterable[str]) -> Iterator[AgencySite]:
    hosts = frozenset(hosts)
    with tempfile.TemporaryDirectory(prefix="portal-agency-") as tmp:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_self_signed(Path(tmp), hosts))
        site = AgencySite(hosts, 0)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                url = f"https://{self.headers.get('Host', '')}{self.path}"
                site.visits.append(url)
                body = STUB_PAGE.format(url=html.escape(url)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        site.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, name="agency-stub", daemon=True)
        thread.start()
        try:
            yield site
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


def _self_signed(directory: Path, hosts: frozenset[str]) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agency stub")])
    now = dt.datetime.now(dt.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(h) for h in sorted(hosts)]
    alt_names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)
