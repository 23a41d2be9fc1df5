"""The kids' space: supervised drop-off and matched pick-up (issue 15)."""
