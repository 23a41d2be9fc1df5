-- Central side: the LAN addresses and host names (space-separated) the organizer gave
-- for a device (`kiosk devices add --address`): its HTTPS certificate, signed by the
-- venue CA at enrollment, names exactly these (kiosk.tls).
ALTER TABLE sync_devices ADD COLUMN addresses TEXT NOT NULL DEFAULT '';
