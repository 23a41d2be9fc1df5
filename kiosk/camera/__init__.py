"""Camera scanning: a capture loop per kiosk camera, QR decoding, preview and browser camera.

``decoding`` reads codes, ``capture`` runs the camera loop, ``service`` builds both from
the instance config and starts them with ``kiosk serve``, ``views`` serves the preview,
the status fragment and the browser-camera page.
"""
