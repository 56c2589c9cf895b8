"""The corpus's own decline threshold, kept in its index folder (``calibration.json``).

``faqrag tune`` (learn/calibrate.py) fits it on the corpus's reviewed questions
and writes it; every opening of the index reads it here. Without the file the
shipped settings apply.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.files import confine
from faqrag.index.manifest import CALIBRATION
from faqrag.limits import read_json
from faqrag.settings import Settings


def calibrated(index_dir: Path, settings: Settings) -> Settings:
    """``settings`` with the index's calibrated threshold, unless the settings
    already chose one of their own (a threshold other than the shipped one)."""
    path = Path(index_dir) / CALIBRATION
    if not (path.exists() or path.is_symlink()) or settings.abstain_below != Settings().abstain_below:
        return settings
    confine(path, Path(index_dir))  # a link to a file elsewhere is not this index's calibration
    try:
        value = read_json(path)["abstain_below"]
        return replace(settings, abstain_below=value)
    except (OSError, ValueError, KeyError, TypeError, FaqragError):
        raise FaqragError(
            f"{path} is corrupt; run 'faqrag tune' again or delete it to use the shipped settings"
        ) from None
