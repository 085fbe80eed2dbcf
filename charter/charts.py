"""Geometry of the charter page's SVG charts, computed on the server (no JavaScript library, no inline style).

Every coordinate is returned as a plain string with a dot as decimal separator, so that the templates never
localise them ("36,1" would break an SVG attribute). The charts are pictures of data that a table on the page
also gives, so they are hidden from assistive technologies there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from charter.selectors import HOURS_TARGET, VALUE_TARGET, QuarterRow


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    left: int = 52
    right: int = 44
    top: int = 16
    bottom: int = 44
    max_labels: int = 8  # quarters named on the time axis, at most


WIDE = Size(width=640, height=300)
NARROW = Size(width=360, height=300, left=50, right=30, max_labels=4)  # a phone shows it at about its own size


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Point:
    x: str
    y: str


@dataclass(frozen=True)
class Series:
    key: str  # CSS modifier: "value" or "hours"
    label: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class Line:
    y: str
    label: str
    key: str = ""


@dataclass(frozen=True)
class Tick:
    position: str
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: str  # x of the plot's right edge
    bottom: str  # y of the plot's bottom edge
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    targets: list[Line]
    series: list[Series]


def _y_max(values: list[Decimal]) -> int:
    highest = max([*values, VALUE_TARGET, HOURS_TARGET])
    return min(100, int(math.ceil((float(highest) + 5) / 10) * 10))


def cumulative_shares(quarters: list[QuarterRow], size: Size = WIDE) -> LineChart | None:
    """Two lines: the cumulative share of amounts to ESS/TPE/PME and of insertion hours, quarter by quarter,
    with both targets as dashed lines. None without any quarter."""
    if not quarters:
        return None
    value_shares = [q.cumulative.value.value for q in quarters]
    hours_shares = [q.cumulative.hours.value for q in quarters]
    y_max = _y_max([v for v in value_shares + hours_shares if v is not None])
    plot_width = size.width - size.left - size.right
    plot_height = size.height - size.top - size.bottom

    def x(index: int) -> float:
        if len(quarters) == 1:
            return size.left + plot_width / 2
        return size.left + plot_width * index / (len(quarters) - 1)

    def y(value: Decimal | int) -> float:
        return size.top + plot_height * (1 - float(value) / y_max)

    step = 10 if y_max <= 50 else 20
    y_ticks = [Tick(position=_n(y(v)), label=f"{v} %") for v in range(0, y_max + 1, step)]
    # Every `label_every`-th quarter is named, counting back from the last one (the latest always shows).
    label_every = math.ceil(len(quarters) / size.max_labels)
    last = len(quarters) - 1
    x_ticks = [Tick(position=_n(x(i)), label=q.label) for i, q in enumerate(quarters) if (last - i) % label_every == 0]

    def points(shares: list[Decimal | None]) -> list[Point]:
        return [Point(x=_n(x(i)), y=_n(y(min(s, y_max)))) for i, s in enumerate(shares) if s is not None]

    return LineChart(
        width=size.width,
        height=size.height,
        left=size.left,
        right=_n(size.width - size.right),
        bottom=_n(size.top + plot_height),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        targets=[
            Line(y=_n(y(target)), label=str(_("objectif %(target)s %%") % {"target": target}), key=key)
            for key, target in (("value", VALUE_TARGET), ("hours", HOURS_TARGET))
        ],
        series=[
            Series(key="value", label=str(_("Part des montants (ESS, TPE/PME)")), points=points(value_shares)),
            Series(key="hours", label=str(_("Part des heures d'insertion")), points=points(hours_shares)),
        ],
    )
