"""faqrag: answers questions from a help guide, with sources, or says it cannot."""

__version__ = "0.1.0"
