-- Kiosk side: central's sync public key (base64url), pinned at enrollment; every sync
-- answer must carry a signature by it (sync/signing.py).
ALTER TABLE sync_state ADD COLUMN central_key TEXT;
