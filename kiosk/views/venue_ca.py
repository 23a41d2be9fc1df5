"""The venue CA for staff phones: ``/ca.crt`` (the certificate to install) and ``/ca/``
(a QR to it and its fingerprint to compare), on every instance that has one (central
after ``kiosk ca init``, kiosks once enrolled). A CA certificate is public: no log-in."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from markupsafe import Markup

if TYPE_CHECKING:
    from cryptography import x509

bp = Blueprint("venue_ca", __name__)

# The type phones and desktop browsers open as "install a certificate authority".
CA_MIMETYPE = "application/x-x509-ca-cert"


def _venue_ca() -> x509.Certificate:
    # cryptography's x509 (kiosk.tls) and QR drawing load with these pages, not at every
    # kiosk's start (issue 16 point 7).
    from kiosk import tls

    certificate = tls.venue_ca(Path(current_app.instance_path))
    if certificate is None:
        abort(404)
    return certificate


@bp.get("/ca.crt")
def certificate() -> Response:
    """The venue CA, DER-encoded (what Android and iOS installers expect)."""
    from cryptography.hazmat.primitives import serialization

    der = _venue_ca().public_bytes(serialization.Encoding.DER)
    response = Response(der, mimetype=CA_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="venue-ca.crt"'
    return response


@bp.get("/ca/")
def install() -> str:
    """A QR to ``/ca.crt`` on this very address, and the fingerprint to check once installed."""
    import qrcode.image.svg

    from kiosk import tls

    certificate = _venue_ca()
    link = url_for("venue_ca.certificate", _external=True)
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return render_template(
        "ca/install.html",
        link=link,
        qr=Markup(svg[svg.index("<svg") :]),
        fingerprint=tls.fingerprint(certificate),
        subject=certificate.subject.rfc4514_string(),
    )
