"""Stand finder (issue 4): exhibitor directory, search in French and Arabic, plan and route,
phone hand-off by QR code, touch kiosk screens, and anonymous counts for organizers.

Modules: ``text`` (folding), ``directory`` (CSV import/export), ``layout`` (the imported
site plan, walkway routes), ``search`` (FTS5 + fuzzy layer + ranking), ``queries`` (display
rows), ``plan`` (what the SVG draws), ``stats`` (counts), ``views`` (screens and API), ``cli``.
Provinces and categories are the fair's (``kiosk.fair``).
"""
