"""The entry feature: gates, heritage and kids' zone kiosks that admit tickets.

``admission`` decides (pure rules and reason codes), ``scanning`` is the one verdict path
that every input goes through and that commits before it answers, ``attendance`` computes
the figures from the logs, ``tally`` counts ticketless walk-ins, ``messages`` holds what
the screens say, ``views`` and ``api`` are the screens and the JSON API.
"""
