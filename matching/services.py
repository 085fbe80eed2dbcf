"""Matching structures and tenders (issue 5). Contracts other apps call; the matching helper implements them."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Match:
    score: int  # 0..100
    reasons: list[str] = field(default_factory=list)  # short French sentences


def match_for(*, tender, structure) -> Match | None:
    """Why `tender` fits `structure` (None when a hard rule excludes it). Used on the tender page."""
    return None


def tender_stats(*, tender) -> dict:
    """Per-tender figures for the buyer: matched, emailed, interested, not interested (with reasons)."""
    return {}
