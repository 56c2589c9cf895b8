"""The ``faqrag`` command (see main.py)."""

from faqrag.cli.main import main

__all__ = ["main"]
