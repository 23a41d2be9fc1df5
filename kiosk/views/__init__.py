"""Blueprints of the HTML screens."""
