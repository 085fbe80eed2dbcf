def seed(*, stdout=None) -> str:
    """Demo data for this app (`manage.py seed_demo`). Idempotent."""
    return "nothing yet"
