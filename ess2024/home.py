"""What the home page shows. The charter issue replaces the static targets with measured figures."""

from decimal import Decimal

CHARTER_VALUE_TARGET = Decimal("25")
CHARTER_HOURS_TARGET = Decimal("10")


def context() -> dict:
    return {"value_target": CHARTER_VALUE_TARGET, "hours_target": CHARTER_HOURS_TARGET}
