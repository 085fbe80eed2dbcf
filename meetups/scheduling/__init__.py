"""The meet-up scheduler (pure Python + OR-Tools, no Django): see solver.py, and db.py for the database side."""

from meetups.scheduling.instance import Instance, Meeting, Request, buyer_key, structure_key
from meetups.scheduling.measures import Scores, scores, violations
from meetups.scheduling.solver import Certificate, Level, Solution, solve

__all__ = [
    "Certificate",
    "Instance",
    "Level",
    "Meeting",
    "Request",
    "Scores",
    "Solution",
    "buyer_key",
    "scores",
    "solve",
    "structure_key",
    "violations",
]
