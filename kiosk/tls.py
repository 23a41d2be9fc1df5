"""The venue's own certificate authority, for HTTPS on the fair's network without a
public certificate.

Central makes the CA once (``kiosk ca init``): its key stays in central's folder
(``ca/ca-key.pem``). Central signs its own serving certificate and, at enrollment, each
kiosk's (the kiosk makes its key and sends only the public half; the names are the ones
the organizer gave with ``kiosk devices add --address``). Kiosks pin the CA for sync;
staff phones install it once (``/ca.crt``) so the browser camera gets an HTTPS origin.

The CA is name-constrained to private addresses and ``.local`` names (plus any venue
domain given): a phone that trusts it can be shown no certificate for a public site,
even if the CA key were stolen.

Every instance keeps what it serves with in ``DIR/tls/``: ``ca.pem`` (the venue CA),
``cert.pem`` (its certificate followed by the CA) and ``key.pem``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FOLDER = "ca"  # central only: the CA's key and certificate
TLS_FOLDER = "tls"  # every instance: what it serves HTTPS with
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
CA_DAYS = 3 * 365
# Apple devices refuse server certificates valid longer than 825 days, even from a
# private CA; a fair's certificates need a season.
CERT_DAYS = 397
# What the CA may certify: the LAN's private and loopback addresses and mDNS names.
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8")
PRIVATE_NETWORKS_V6 = ("fc00::/7", "fe80::/10", "::1/128")
LOCAL_DOMAIN = "local"
DNS_NAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
)


class TLSError(Exception):
    """A CA or certificate problem, in one line."""


def ca_files(folder: Path) -> tuple[Path, Path]:
    """(CA certificate, CA key) of central's instance FOLDER."""
    return folder / CA_FOLDER / CA_FILE, folder / CA_FOLDER / CA_KEY_FILE


def served_files(folder: Path) -> tuple[Path, Path, Path]:
    """(venue CA, certificate chain, key) an instance serves HTTPS with."""
    tls = folder / TLS_FOLDER
    return tls / CA_FILE, tls / CERT_FILE, tls / KEY_FILE


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate, as phones and browsers show it (AB:CD:...)."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def parse_name(text: str) -> x509.GeneralName:
    """A certificate name: an IP address or a DNS name (lower-cased); refuses anything else."""
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        name = text.strip().lower().rstrip(".")
        if not DNS_NAME.fullmatch(name):
            raise TLSError(f"not an IP address or a host name: {text!r}") from None
        return x509.DNSName(name)


def device_names(name: str, addresses: list[str]) -> list[str]:
    """What an enrolled kiosk's certificate names: the addresses the organizer gave for
    it, then ``NAME.local`` (its mDNS name) when NAME makes a host name."""
    local = f"{name.lower()}.{LOCAL_DOMAIN}"
    names = list(dict.fromkeys(addresses))
    return [*names, local] if DNS_NAME.fullmatch(local) and local not in names else names


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only (from the start, not chmod after)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def new_key() -> ec.EllipticCurvePrivateKey:
    """P-256: what every phone and browser takes (Ed25519 certificates are not)."""
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def init_ca(
    folder: Path, name: str, domains: list[str], moment: datetime, days: int = CA_DAYS
) -> x509.Certificate:
    """Make the venue CA in central's FOLDER (refuses to replace one: every kiosk and
    phone trusts it). DOMAINS: venue DNS domains it may certify besides ``.local``."""
    cert_file, key_file = ca_files(folder)
    if cert_file.exists() or key_file.exists():
        raise TLSError(f"{cert_file.parent} already holds a CA; kiosks and phones trust it: keep it")
    permitted: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_network(n)) for n in PRIVATE_NETWORKS]
    permitted += [x509.IPAddress(ipaddress.ip_network(n)) for n in PRIVATE_NETWORKS_V6]
    for domain in [LOCAL_DOMAIN, *domains]:
        parsed = parse_name(domain)
        if not isinstance(parsed, x509.DNSName):
            raise TLSError(f"--domain takes a DNS domain, not {domain!r}")
        permitted.append(parsed)
    key = new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = moment.astimezone(UTC) - timedelta(hours=1)  # a kiosk clock a little behind
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_file, key_pem(key))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def load_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Central's CA certificate and key; TLSError when there is none."""
    cert_file, key_file = ca_files(folder)
    if not cert_file.exists() or not key_file.exists():
        raise TLSError(f"no venue CA in {cert_file.parent}: run `kiosk ca init {folder}` first")
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TLSError(f"{key_file}: not an EC key")
    return x509.load_pem_x509_certificate(cert_file.read_bytes()), key


def has_ca(folder: Path) -> bool:
    return all(path.exists() for path in ca_files(folder))


def issue(
    folder: Path, public_key_pem: str | bytes, names: list[str], moment: datetime, days: int = CERT_DAYS
) -> bytes:
    """Sign a server certificate for NAMES (IPs or host names) on PUBLIC_KEY_PEM with
    central's CA; returns the chain to serve (certificate, then the CA), PEM."""
    if not names:
        raise TLSError("a certificate needs at least one name (an IP address or a host name)")
    ca_cert, ca_key = load_ca(folder)
    try:
        public_key = serialization.load_pem_public_key(
            public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
        )
    except ValueError:
        raise TLSError("not a PEM public key") from None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise TLSError("the certificate's key must be an EC key (P-256)")
    general = [parse_name(name) for name in names]
    _check_constraints(ca_cert, general)
    start = moment.astimezone(UTC) - timedelta(hours=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(min(start + timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(general), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(
        serialization.Encoding.PEM
    )


def _check_constraints(ca_cert: x509.Certificate, names: list[x509.GeneralName]) -> None:
    """Refuse a name the CA's constraints exclude: browsers would refuse the certificate."""
    constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    networks = [
        n.value
        for n in constraints.permitted_subtrees or []
        if isinstance(n, x509.IPAddress)
        and isinstance(n.value, ipaddress.IPv4Network | ipaddress.IPv6Network)
    ]
    domains = [n.value for n in constraints.permitted_subtrees or [] if isinstance(n, x509.DNSName)]
    for name in names:
        if isinstance(name, x509.IPAddress):
            if not any(name.value in net for net in networks if net.version == name.value.version):
                raise TLSError(
                    f"{name.value} is not a private address: the venue CA certifies LAN addresses only"
                )
        elif isinstance(name, x509.DNSName) and not any(
            name.value == d or name.value.endswith("." + d) for d in domains
        ):
            raise TLSError(f"{name.value} is outside the venue CA's domains ({', '.join(domains)})")


def install(folder: Path, ca_pem: bytes, chain_pem: bytes | None = None, key: bytes | None = None) -> None:
    """Keep what FOLDER trusts and serves HTTPS with in ``DIR/tls/``: the venue CA, and
    the certificate chain with its key (owner-readable only) when it has one."""
    ca_file, cert_file, key_file = served_files(folder)
    ca_file.parent.mkdir(parents=True, exist_ok=True)
    ca_file.write_bytes(ca_pem)
    if chain_pem is not None and key is not None:
        _write_private(key_file, key)
        cert_file.write_bytes(chain_pem)


def venue_ca_pem(folder: Path) -> str | None:
    """The venue CA this instance trusts and hands to staff phones (PEM), if it has one."""
    path = served_files(folder)[0]
    return path.read_text() if path.exists() else None


def venue_ca(folder: Path) -> x509.Certificate | None:
    pem = venue_ca_pem(folder)
    return x509.load_pem_x509_certificate(pem.encode()) if pem else None
