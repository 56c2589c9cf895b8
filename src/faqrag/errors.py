"""The one error type users see: a message naming the problem and the fix.

Everything below the CLI and the page raises ``FaqragError``; the edges turn it
into a one-line message (CLI) or ``st.error`` (page), never a traceback.
"""

from __future__ import annotations


class FaqragError(Exception):
    """A problem the user can fix; ``str(err)`` is the whole message."""


class CorpusError(FaqragError):
    """A corpus file is missing, empty, undecodable or malformed."""


class IndexStateError(FaqragError):
    """The index is missing, corrupt, or built with other settings."""


class QuestionError(FaqragError):
    """The question itself cannot be asked (empty, too long, control characters)."""
