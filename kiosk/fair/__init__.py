"""A fair from files: the fair file (``spec``), its site plan from an SVG (``svgplan``),
and loading both into a central instance (``store``)."""
