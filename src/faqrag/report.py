"""Evaluation reports: JSON for machines (and --compare)."""

from __future__ import annotations

import json

from .errors import FaqragError


def render(suffix: str, report: dict, results: list[dict]) -> str:
    if suffix == ".json":
        return json.dumps(report, indent=2, ensure_ascii=False)
    raise FaqragError(f"unknown report type '{suffix}'; use .json, .html or .md")
