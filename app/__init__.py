"""Permanence: agenda, call log and patient contacts for French medical practices."""

__version__ = "0.1.0"
