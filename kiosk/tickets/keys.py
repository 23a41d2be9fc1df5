"""Ed25519 signing keys: private keys stay in central's instance folder, public keys travel.

A kiosk holds only public keys (the ``signing_keys`` table), so a stolen kiosk cannot
mint tickets. Each payload names its key id, so a new key can be added and the old
one kept for tickets already printed.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from kiosk import clock
from kiosk.tickets.codec import Claims, signing_input

KEYS_DIR = "keys"


def private_key_path(instance_dir: Path, kid: int) -> Path:
    return Path(instance_dir) / KEYS_DIR / f"ed25519-{kid}.pem"


def create_key(
    conn: sqlite3.Connection,
    instance_dir: Path,
    moment: datetime,
    private: Ed25519PrivateKey | None = None,
) -> int:
    """Store a new signing key (a fresh one unless given): private PEM in the instance
    folder, public key in the table. Returns its key id."""
    kid = conn.execute("SELECT coalesce(max(kid), 0) + 1 FROM signing_keys").fetchone()[0]
    private = private or Ed25519PrivateKey.generate()
    path = private_key_path(instance_dir, kid)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    conn.execute(
        "INSERT INTO signing_keys (kid, public_key, created_at) VALUES (?, ?, ?)",
        (kid, public.hex(), clock.iso(moment)),
    )
    return kid


def load_signer(instance_dir: Path, kid: int) -> Ed25519PrivateKey:
    """The private key ``kid`` from central's instance folder."""
    path = private_key_path(instance_dir, kid)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise LookupError(
            f"no private key {kid} in {path.parent}: only the central instance can issue tickets"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def newest_kid(conn: sqlite3.Connection) -> int:
    kid = conn.execute("SELECT max(kid) FROM signing_keys").fetchone()[0]
    if kid is None:
        raise LookupError("this instance has no signing key")
    return kid


@functools.lru_cache(maxsize=64)
def _public_key(hex_key: str) -> Ed25519PublicKey:
    # Keyed by the key itself, not its id: instances may reuse ids for different keys.
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def check(conn: sqlite3.Connection, claims: Claims) -> str:
    """``ok``, ``unknown_key`` or ``invalid_signature`` for parsed claims, against the
    public keys this instance holds."""
    row = conn.execute("SELECT public_key FROM signing_keys WHERE kid = ?", (claims.kid,)).fetchone()
    if row is None:
        return "unknown_key"
    try:
        _public_key(row[0]).verify(claims.signature, signing_input(claims.signed_data))
    except InvalidSignature:
        return "invalid_signature"
    return "ok"
