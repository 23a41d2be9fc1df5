"""Tickets: the signed QR payload, signing keys, issuing, and printing."""
