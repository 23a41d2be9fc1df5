"""Offline-first sync between kiosks and the central instance (issue 6).

* ``sync.protocol``: central side in plain functions: change log, enrollment, applying
  pushed event batches exactly once, serving reference changes and snapshots, conflicts.
* ``sync.client``: kiosk side: push unsent events, pull reference data, background loop.
* ``sync.blueprint``: central's HTTP endpoints (``/api/v1/sync/...``).
* ``sync.wire``: protocol version and the gzip JSON encoding both sides share.
* ``sync.cli``: ``kiosk devices``, ``kiosk sync``, ``kiosk events export|import``.
"""
