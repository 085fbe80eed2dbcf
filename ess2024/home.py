"""What the home page shows. The charter issue replaces the static targets with measured figures."""

from decimal import Decimal

from charter.selectors import overall

CHARTER_VALUE_TARGET = Decimal("25")
CHARTER_HOURS_TARGET = Decimal("10")


def context() -> dict:
    return {
        "value_target": CHARTER_VALUE_TARGET,
        "hours_target": CHARTER_HOURS_TARGET,
        # The measured shares (one query): charter_figures.value / .hours are charter.selectors.Share objects
        # (.value in percent or None without data, .met, .gap in points).
        "charter_figures": overall(),
    }
