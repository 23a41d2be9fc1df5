"""Conference hall and workshops: the programme, registrations and check-in at the door.

``rules`` decides (pure), ``programme`` holds the sessions and their CSV,
``registrations`` the seats, ``checkin`` the door's verdict path.
"""
