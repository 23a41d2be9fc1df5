"""The kids' space (role ``kids``): supervised drop-off and matched pick-up of children.

``receipt`` is the security code and the receipt's QR text, ``space`` the domain rules
(no Flask), ``refusals`` the reasons a drop-off or pick-up is refused, ``labels`` the
child's sticker and the adult's receipt as printed, ``views`` and
``api`` the staff screens and the JSON API. Names and phone numbers never leave the
kiosk; central receives the day's counts only (event table ``kids_counts``).
"""
