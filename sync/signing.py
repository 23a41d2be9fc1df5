"""Central's sync key: every sync answer is signed, and a kiosk acts on none it cannot verify.

Whoever answers at a kiosk's ``CENTRAL_URL`` on the venue network could otherwise plant
a signing key or an organizer account, or claim to hold events it never received. So
central keeps an Ed25519 key in its instance folder (``sync-key.pem``) and signs each
answer of ``/api/v1/sync/...``: the signature covers a nonce the kiosk sent with the
request, the request's method and path, the status and the body bytes, so an answer
can be neither forged nor replayed to another request. A kiosk learns the public key
at enrollment and pins it: the key's fingerprint is printed with the one-time code
(and carried in the enrollment QR), and ``kiosk init --central-key`` refuses a central
whose key does not match it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk import crockford

KEY_FILE = "sync-key.pem"
KEY_HEADER = "X-Sync-Key"
SIGNATURE_HEADER = "X-Sync-Signature"
NONCE_HEADER = "X-Sync-Nonce"
CONTEXT = b"salon-kiosk sync answer v1\n"
_creating = threading.Lock()


class Unverified(Exception):
    """An answer not signed by the central this kiosk enrolled with."""


def load_or_create(instance_dir: Path) -> Ed25519PrivateKey:
    """Central's sync key, made on first use (private, mode 0600, never replaced)."""
    path = Path(instance_dir) / KEY_FILE
    with _creating:
        if not path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def public_text(private: Ed25519PrivateKey) -> str:
    """The public key as it travels: raw bytes in unpadded base64url (43 characters)."""
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fingerprint(public: str) -> str:
    """What a person compares or types: 100 bits of the key's SHA-256 in Crockford
    Base32, five groups of four (XXXX-XXXX-XXXX-XXXX-XXXX)."""
    value = int.from_bytes(hashlib.sha256(public.encode()).digest()[:13], "big") >> 4
    return crockford.group(crockford.encode(value, 20), 4)


def same_fingerprint(public: str, expected: str) -> bool:
    return secrets.compare_digest(crockford.clean(fingerprint(public)), crockford.clean(expected))


def central_fingerprint(instance_dir: Path) -> str:
    """The fingerprint of this central's sync key (printed with enrollment codes)."""
    return fingerprint(public_text(load_or_create(instance_dir)))


def new_nonce() -> str:
    return secrets.token_hex(16)


def _message(nonce: str, method: str, target: str, status: int, body: bytes) -> bytes:
    head = f"{nonce}\n{method.upper()} {target}\n{status}\n".encode()
    return CONTEXT + head + body


def sign(private: Ed25519PrivateKey, nonce: str, method: str, target: str, status: int, body: bytes) -> str:
    signature = private.sign(_message(nonce, method, target, status, body))
    return base64.b64encode(signature).decode()


def verify(
    public: str, signature: str | None, nonce: str, method: str, target: str, status: int, body: bytes
) -> None:
    """Raise ``Unverified`` unless central's key signed this answer to this request."""
    if not signature:
        raise Unverified("the answer is not signed")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public + "=" * (-len(public) % 4)))
        key.verify(base64.b64decode(signature, validate=True), _message(nonce, method, target, status, body))
    except (InvalidSignature, ValueError) as error:
        raise Unverified(
            f"the answer's signature does not match central's key ({type(error).__name__})"
        ) from None
