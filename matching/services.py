"""Matching structures and tenders: one set-based query in each direction, a score computed in SQL, French reasons.

Hard rules (a structure that breaks one never matches):

* **Topic** — it serves one of the tender's own topics, or the topic of a lot open to it (a lot is open to a
  structure when it is not reserved, or reserved under a kind the structure is eligible for).
* **Area** — one of its areas covers a place of performance: the same area; an ancestor of the place (its
  department covers an arrondissement; "Toute la France" covers everything); or, by our choice, an arrondissement
  inside a department place (a tender "in Paris" is for someone working in Paris 11e too, with a lower score). A
  tender without any place has no area rule.
* **Reserved markets** — a lot reserved under L2113-12 / -13 / -15 only counts for eligible structures
  (`eligible_l2113_12/13/15`, whose rule is structures.categories': `eligible_q` in SQL, `eligible_markets` for
  one structure); a tender whose lots are ALL reserved only matches a structure eligible for at least
  one of them. A tender with an unreserved lot, or without lots, has no reservation rule.
* **Standing** — archived, rejected and opted-out (`matching_opt_out`) structures never match.

Score, 0–100, computed in the database so that ranking happens there:

* topic 20 + 15 × (topics served / topics of the tender) ............................................. ≤ 35
* area: same arrondissement 25, department covering the place 20, arrondissement inside the place 12,
  nationwide 8 (no place: 25) ......................................................................... ≤ 25
* size: the smallest estimated value among the lots open to the structure (else the tender's value) against the
  ceiling of its turnover band — ≤ 50 % of the ceiling 20, ≤ 100 % 10, above 0; unknown value or band 10 .... ≤ 20
* insertion: for the lots open to it with a social clause, yearly insertion hours ≥ the smallest clause 10,
  some capacity 5, none 0; no clause 10 ................................................................ ≤ 10
* verified structure 10 ................................................................................ ≤ 10

Both directions annotate the same `m_*` values and share the score expression and the reason builder:
`structures_matching(tender)` (one grouped query: the M2M through tables joined once each on the tender's topics and
covering areas, read by index-only scans, and two aggregates per structure from which every `m_*` value follows)
and `tenders_for_structure(structure)` (open tenders, with small per-tender subqueries). The reasons are formatted
in Python from the annotated values of the rows already fetched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.areas import (
    AREA_ARRONDISSEMENT,
    AREA_DEPARTMENT,
    AREA_NATIONAL,
    AREA_PART,
    AreaInfo,
    load_areas,
    places_covered_by,
    structure_areas_covering,
)
from structures.categories import ELIGIBILITY_FIELDS, eligible_markets, eligible_q
from structures.models import (
    TURNOVER_CEILING,
    ReservedMarket,
    Structure,
    Topic,
    Turnover,
    VerificationStatus,
)
from tenders.models import Interest, Lot, Tender

# Area precision levels (higher is more precise).
AREA_POINTS = {AREA_ARRONDISSEMENT: 25, AREA_DEPARTMENT: 20, AREA_PART: 12, AREA_NATIONAL: 8}
NO_PLACE_POINTS = 25

# Turnover ceiling used for "more than 50 M€": no ceiling, any value fits.
NO_CEILING = 10**15

MATCH_FIELDS = [
    "match_score",
    "m_topic_ids",
    "m_topic_total",
    "m_area_level",
    "m_area_id",
    "m_no_places",
    "m_ref_value",
    "m_ceiling",
    "m_clause_hours",
    "m_capacity",
    "m_verified",
    "m_lot_ids",
]

# The Structure fields `structures_matching` loads (the others are deferred: reading thousands of descriptions,
# addresses and contacts the matching never shows cost more than the query itself). `.values()` ignores this.
MATCH_LOADED_FIELDS = [
    "id",
    "name",
    "slug",
    "legal_form",
    "esus_accredited",
    "category",
    "eligible_l2113_12",
    "eligible_l2113_13",
    "eligible_l2113_15",
    "postcode",
    "city",
    "turnover",
    "insertion_hours_per_year",
    "verification_status",
    "matching_opt_out",
    "archived_at",
]

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_IDS = ArrayField(BigIntegerField())


@dataclass(frozen=True)
class Match:
    score: int  # 0..100
    reasons: list[str] = field(default_factory=list)  # short French sentences


# --------------------------------------------------------------------------------------------------------------
# SQL building blocks


class _IdArray(Func):
    """ARRAY_REMOVE(ARRAY[e1, e2, …]::bigint[], NULL): the non-null values among the expressions."""

    template = "ARRAY_REMOVE(ARRAY[%(expressions)s]::bigint[], NULL)"
    output_field = _IDS


class _Cardinality(Func):
    function = "CARDINALITY"
    output_field = IntegerField()


def _bool(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


class _Formula(Func):
    """A small SQL formula whose placeholders {0}, {1}… are the compiled expressions (each may appear more than once:
    its parameters are repeated in the order the placeholders appear)."""

    _PLACEHOLDER = re.compile(r"\{(\d+)\}")

    def __init__(self, formula: str, *expressions, output_field):
        super().__init__(*expressions, output_field=output_field)
        self.formula = formula

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        params: list = []

        def part(match: re.Match) -> str:
            sql, expression_params = compiled[int(match.group(1))]
            params.extend(expression_params)
            return sql

        return self._PLACEHOLDER.sub(part, self.formula), params


def _score_expression() -> Any:
    """The score, from the `m_*` annotations both directions provide.

    Each `m_*` value is referenced once: an annotation referenced by another one is inlined by Django, and its
    subqueries would be evaluated again for every reference.
    """
    topic = _Formula(
        "(20 + 15 * CARDINALITY({0}) / {1})", F("m_topic_ids"), F("m_topic_total"), output_field=IntegerField()
    )
    points = ",".join(str(AREA_POINTS.get(level, 0)) for level in range(max(AREA_POINTS) + 1))
    area = Case(
        When(m_no_places=True, then=Value(NO_PLACE_POINTS)),
        default=_Formula(f"(ARRAY[{points}])[{{0}} + 1]", F("m_area_level"), output_field=IntegerField()),
    )
    # ceiling / value: ≥ 2 → 20, ≥ 1 → 10, < 1 → 0; unknown (NULL) → 10.
    size = _Formula(
        "COALESCE((ARRAY[0,10,20])[WIDTH_BUCKET({0}::numeric / NULLIF({1}, 0), 1, 2, 1) + 1], 10)",
        F("m_ceiling"),
        F("m_ref_value"),
        output_field=IntegerField(),
    )
    # No clause (NULL) → 10; capacity ≥ the clause → 10; some capacity → 5; none → 0.
    insertion = _Formula(
        "COALESCE(5 * (SIGN(COALESCE({0}, 0))::int + (COALESCE({1}, 0) >= {2})::int), 10)",
        F("m_capacity"),
        F("m_capacity"),
        F("m_clause_hours"),
        output_field=IntegerField(),
    )
    verified = Case(When(m_verified=True, then=Value(10)), default=Value(0))
    return ExpressionWrapper(topic + area + size + insertion + verified, output_field=IntegerField())


def _ceiling_expression() -> Case:
    whens = [
        When(turnover=band, then=Value(ceiling if ceiling is not None else NO_CEILING))
        for band, ceiling in TURNOVER_CEILING.items()
    ]
    return Case(*whens, default=Value(None), output_field=BigIntegerField())


def _least(expressions: list, output_field) -> Any:
    if not expressions:
        return Value(None, output_field=output_field)
    if len(expressions) == 1:
        return expressions[0]
    return Least(*expressions, output_field=output_field)


# --------------------------------------------------------------------------------------------------------------
# Reasons (per-row formatting of values the query already computed)


@dataclass(frozen=True)
class LotInfo:
    id: int
    number: int
    title: str
    topic_id: int
    estimated_value: Decimal | None
    reserved: str
    insertion_hours: int | None


RESERVED_FOR = {
    ReservedMarket.L2113_12.value: gettext_lazy("aux entreprises adaptées et ESAT (art. L2113-12)"),
    ReservedMarket.L2113_13.value: gettext_lazy("aux structures d'insertion, SIAE (art. L2113-13)"),
    ReservedMarket.L2113_15.value: gettext_lazy("aux entreprises de l'ESS (art. L2113-15)"),
}


def format_euros(value: Decimal | int) -> str:
    return f"{int(value):,}".replace(",", "\u202f") + "\u00a0€"


def format_hours(value: int) -> str:
    return f"{int(value):,}".replace(",", "\u202f") + "\u00a0h"


def _quoted_list(names: list[str]) -> str:
    # Real no-break spaces in the msgid (xgettext keeps \u escapes literally); English quotes with “ ”.
    quoted = [_("« %(name)s »") % {"name": name} for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return _("%(first)s et %(last)s") % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _get(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, Mapping) else getattr(row, key)


def build_reasons(
    row: Any,
    *,
    topics: Mapping[int, str],
    areas: Mapping[int, AreaInfo],
    lots: Mapping[int, LotInfo],
    turnover: str,
) -> list[str]:
    """The French sentences saying why a (tender, structure) pair matched, from the row's `m_*` values."""
    reasons = []
    topic_ids = [pk for pk in topics if pk in set(_get(row, "m_topic_ids") or [])]
    if topic_ids:
        reasons.append(
            _("Vous intervenez en %(topics)s.") % {"topics": _quoted_list([topics[pk] for pk in topic_ids])}
        )

    level, area_id = _get(row, "m_area_level"), _get(row, "m_area_id")
    area = areas.get(area_id) if area_id else None
    if area and level == AREA_ARRONDISSEMENT:
        reasons.append(
            _("Vous intervenez dans l'arrondissement du lieu d'exécution : %(area)s.") % {"area": area.name}
        )
    elif area and level == AREA_DEPARTMENT:
        reasons.append(_("Votre zone d'intervention, %(area)s, couvre le lieu d'exécution.") % {"area": area.name})
    elif area and level == AREA_PART:
        reasons.append(_("Le lieu d'exécution comprend votre zone d'intervention : %(area)s.") % {"area": area.name})
    elif level == AREA_NATIONAL:
        reasons.append(_("Vous intervenez dans toute la France."))

    for lot_id in sorted(_get(row, "m_lot_ids") or [], key=lambda pk: lots[pk].number if pk in lots else 0):
        lot = lots.get(lot_id)
        if lot and lot.reserved:
            reasons.append(
                _("Le lot %(number)s est réservé %(to_whom)s : vous pouvez y répondre.")
                % {"number": lot.number, "to_whom": RESERVED_FOR[lot.reserved]}
            )

    value, ceiling = _get(row, "m_ref_value"), _get(row, "m_ceiling")
    if value and ceiling is not None and value * 2 <= ceiling:
        reasons.append(
            _("Le montant estimé (%(value)s) est à la mesure de votre chiffre d'affaires (%(band)s).")
            % {"value": format_euros(value), "band": _lower_first(str(Turnover(turnover).label))}
        )

    hours, capacity = _get(row, "m_clause_hours"), _get(row, "m_capacity")
    if hours and capacity and capacity >= hours:
        reasons.append(
            _("Votre capacité d'insertion (%(capacity)s par an) couvre la clause sociale (%(hours)s).")
            % {"capacity": format_hours(capacity), "hours": format_hours(hours)}
        )
    elif hours and capacity:
        reasons.append(
            _(
                "Vous accueillez des personnes en insertion (%(capacity)s par an) : "
                "un atout pour la clause sociale (%(hours)s)."
            )
            % {"capacity": format_hours(capacity), "hours": format_hours(hours)}
        )

    if _get(row, "m_verified"):
        reasons.append(_("Votre structure est vérifiée par Les Canaux."))
    return reasons


# --------------------------------------------------------------------------------------------------------------
# Tender -> structures


StructureTopic = Structure.topics.through
StructureArea = Structure.areas.through


def _eligible(reserved: str) -> Q | None:
    """None when the lot is open to everyone, else the eligibility test."""
    return eligible_q(reserved) if reserved else None


@dataclass
class TenderSide:
    """What the matching of one tender needs to know about it, read in a few small queries."""

    tender: Tender
    own_topic_ids: set[int]
    lots: dict[int, LotInfo]
    place_ids: list[int]
    topics: dict[int, str]  # id -> name, in the topics' display order
    areas: dict[int, AreaInfo]

    @classmethod
    def load(cls, tender: Tender) -> TenderSide:
        lots = {
            row[0]: LotInfo(*row)
            for row in Lot.objects.filter(tender=tender)
            .order_by("number")
            .values_list("id", "number", "title", "topic_id", "estimated_value", "reserved", "insertion_hours")
        }
        own = set(Tender.topics.through.objects.filter(tender_id=tender.pk).values_list("topic_id", flat=True))
        all_topics = own | {lot.topic_id for lot in lots.values()}
        topics = {
            topic.pk: str(topic)
            for topic in Topic.objects.filter(pk__in=all_topics).order_by("position", "name").only("name", "name_en")
        }
        places = list(Tender.places.through.objects.filter(tender_id=tender.pk).values_list("area_id", flat=True))
        return cls(tender=tender, own_topic_ids=own, lots=lots, place_ids=places, topics=topics, areas=load_areas())

    def _reservations(self, topic_id: int) -> list[str] | None:
        """The reserved kinds one must be eligible for to serve this topic of the tender (None: open to all)."""
        if topic_id in self.own_topic_ids or any(
            lot.topic_id == topic_id and not lot.reserved for lot in self.lots.values()
        ):
            return None
        return sorted({lot.reserved for lot in self.lots.values() if lot.topic_id == topic_id})

    def _serving_row(self, topic_id: int) -> Q:
        """A StructureTopic row (joined as `topics`) through which the structure serves this topic of the tender:
        the topic itself, and for a topic only reserved lots have, eligibility for one of their kinds."""
        kinds = self._reservations(topic_id)
        condition = Q(topics=topic_id)
        if kinds is None:
            return condition
        eligible = Q()
        for kind in kinds:
            eligible |= eligible_q(kind)
        return condition & eligible

    def queryset(self, base: QuerySet | None = None) -> QuerySet:
        """The matching structures, best first: ONE join per M2M table, restricted to the rows that count, grouped.

        The rules are a single `filter()`: the topics join keeps only the rows through which the structure serves a
        topic of the tender, the areas join only the areas covering a place, so PostgreSQL starts from those few
        index ranges and joins the structures by primary key. The `m_*` values are read from two aggregates per
        structure — the array of its serving topics (`ARRAY_AGG`) and the rank of its best covering area (`MIN`) —
        that PostgreSQL computes once per group however often the score refers to them (identical aggregates are
        shared), instead of a hashed subquery per topic and per reference.
        """
        base = Structure.objects.all() if base is None else base
        if not self.topics:
            return base.none()
        serving = Q()
        for topic_id in self.topics:
            serving |= self._serving_row(topic_id)
        rules = (
            Q(topics__in=list(self.topics))  # implied by `serving`, stated as one range for an index-only scan
            & serving
            & Q(archived_at__isnull=True, matching_opt_out=False)
            & ~Q(verification_status=VerificationStatus.REJECTED)
        )
        reserved_kinds = {lot.reserved for lot in self.lots.values()}
        if self.lots and "" not in reserved_kinds:
            any_eligible = Q()
            for kind in sorted(reserved_kinds):
                any_eligible |= _eligible(kind)
            rules &= any_eligible
        covering = structure_areas_covering(self.place_ids, self.areas)
        if self.place_ids:
            rules &= Q(areas__in=sorted(covering))

        served = ArrayAgg("topics", default=None)  # the topics it serves (its filtered join rows)

        def has_topic(topic_id: int) -> _Formula:
            return _Formula(f"({int(topic_id)} = ANY({{0}}))", served, output_field=BooleanField())

        def lot_open(lot: LotInfo) -> Any:
            condition = has_topic(lot.topic_id)
            if lot.reserved:
                condition = _Formula(
                    "({0} AND {1})", condition, F(ELIGIBILITY_FIELDS[lot.reserved]), output_field=BooleanField()
                )
            return condition

        if self.place_ids:
            area_order = sorted(covering, key=lambda pk: (-covering[pk], self.areas[pk].position))
            ids = ",".join(str(int(pk)) for pk in area_order)
            levels = ",".join(str(covering[pk]) for pk in area_order)
            best = Min(
                _Formula(f"ARRAY_POSITION(ARRAY[{ids}]::bigint[], {{0}})", F("areas"), output_field=IntegerField())
            )
            area_level = _Formula(f"(ARRAY[{levels}]::integer[])[{{0}}]", best, output_field=IntegerField())
            area_id = _Formula(f"(ARRAY[{ids}]::bigint[])[{{0}}]", best, output_field=BigIntegerField())
        else:
            area_level = Value(0, output_field=IntegerField())
            area_id = Value(None, output_field=BigIntegerField())

        values = [
            Case(When(lot_open(lot), then=Value(lot.estimated_value)), output_field=_MONEY)
            for lot in self.lots.values()
            if lot.estimated_value is not None
        ]
        ref_value = _least(values, _MONEY)
        if self.tender.estimated_value is not None:
            ref_value = Coalesce(ref_value, Value(self.tender.estimated_value), output_field=_MONEY)
        clause_hours = _least(
            [
                Case(When(lot_open(lot), then=Value(lot.insertion_hours)), output_field=IntegerField())
                for lot in self.lots.values()
                if lot.insertion_hours
            ],
            IntegerField(),
        )

        return (
            base.filter(rules)
            .only(*MATCH_LOADED_FIELDS)
            .annotate(
                m_topic_ids=_IdArray(*[Case(When(has_topic(pk), then=Value(pk))) for pk in self.topics]),
                m_topic_total=Value(len(self.topics), output_field=IntegerField()),
                m_area_level=area_level,
                m_area_id=area_id,
                m_no_places=Value(not self.place_ids, output_field=BooleanField()),
                m_ref_value=ref_value,
                m_ceiling=_ceiling_expression(),
                m_clause_hours=clause_hours,
                m_capacity=F("insertion_hours_per_year"),
                m_verified=_bool(Q(verification_status=VerificationStatus.VERIFIED)),
                m_lot_ids=_IdArray(*[Case(When(lot_open(lot), then=Value(lot.id))) for lot in self.lots.values()]),
            )
            .annotate(match_score=_score_expression())
            .order_by("-match_score", "pk")
        )

    def match(self, row: Any) -> Match:
        """The Match of one row of `queryset()` (a Structure, or a dict from `.values(*MATCH_FIELDS, 'turnover')`)."""
        reasons = build_reasons(
            row, topics=self.topics, areas=self.areas, lots=self.lots, turnover=_get(row, "turnover") or ""
        )
        return Match(score=int(_get(row, "match_score")), reasons=reasons)


def structures_matching(tender: Tender) -> QuerySet[Structure]:
    """The structures that match `tender`, best first, annotated with `match_score` (0–100) and the `m_*` values.

    Instances load MATCH_LOADED_FIELDS only (the others are deferred); `.values(...)` reads whatever it names.
    """
    return TenderSide.load(tender).queryset()


def match_for(*, tender: Tender, structure: Structure) -> Match | None:
    """Why `tender` fits `structure` (None when a hard rule excludes it). Used on the tender page."""
    side = TenderSide.load(tender)
    row = side.queryset(Structure.objects.filter(pk=structure.pk)).first()
    return side.match(row) if row is not None else None


# --------------------------------------------------------------------------------------------------------------
# Structure -> tenders (the mirror, for "Pour vous")


TenderTopic = Tender.topics.through
TenderPlace = Tender.places.through


@dataclass
class StructureSide:
    structure: Structure
    topic_ids: list[int]
    area_ids: list[int]
    eligible: list[str]  # ReservedMarket values
    topics: dict[int, str]
    areas: dict[int, AreaInfo]

    @classmethod
    def load(cls, structure: Structure) -> StructureSide:
        return cls(
            structure=structure,
            topic_ids=list(
                StructureTopic.objects.filter(structure_id=structure.pk).values_list("topic_id", flat=True)
            ),
            area_ids=list(StructureArea.objects.filter(structure_id=structure.pk).values_list("area_id", flat=True)),
            eligible=eligible_markets(legal_form=structure.legal_form, esus_accredited=structure.esus_accredited),
            topics={
                topic.pk: str(topic) for topic in Topic.objects.order_by("position", "name").only("name", "name_en")
            },
            areas=load_areas(),
        )

    def _excluded(self) -> bool:
        s = self.structure
        standing = s.archived_at or s.matching_opt_out or s.verification_status == VerificationStatus.REJECTED
        return bool(standing) or not self.topic_ids

    def _open_lots(self) -> QuerySet:
        """Lots open to the structure: a topic it serves, and unreserved or reserved to it."""
        return Lot.objects.filter(topic_id__in=self.topic_ids).filter(Q(reserved="") | Q(reserved__in=self.eligible))

    def queryset(self, base: QuerySet | None = None) -> QuerySet:
        base = Tender.objects.open() if base is None else base
        if self._excluded():
            return base.none()
        open_lots = self._open_lots()
        tenders_with_lots = Lot.objects.values("tender_id")
        rules = (
            Q(pk__in=TenderTopic.objects.filter(topic_id__in=self.topic_ids).values("tender_id"))
            | Q(pk__in=open_lots.values("tender_id"))
        ) & (
            ~Q(pk__in=tenders_with_lots)
            | Q(pk__in=Lot.objects.filter(reserved="").values("tender_id"))
            | Q(pk__in=Lot.objects.filter(reserved__in=self.eligible).values("tender_id"))
        )
        covered = places_covered_by(self.area_ids, self.areas)
        if len(covered) < len(self.areas):  # a nationwide structure covers every place
            area_rule = ~Q(pk__in=TenderPlace.objects.values("tender_id"))  # a tender without places
            if covered:
                area_rule |= Q(pk__in=TenderPlace.objects.filter(area_id__in=list(covered)).values("tender_id"))
            rules &= area_rule

        by_level: dict[int, list[int]] = {}
        for place_id, (level, _by) in covered.items():
            by_level.setdefault(level, []).append(place_id)
        best_place = (
            TenderPlace.objects.filter(tender_id=OuterRef("pk"), area_id__in=list(covered))
            .annotate(
                level=Case(
                    *[When(area_id__in=ids, then=Value(level)) for level, ids in by_level.items()],
                    output_field=IntegerField(),
                ),
                named=Case(
                    *[When(area_id=place_id, then=Value(by)) for place_id, (_level, by) in covered.items()],
                    output_field=BigIntegerField(),
                ),
            )
            .order_by("-level", "area_id")
        )
        own_lots = open_lots.filter(tender_id=OuterRef("pk"))
        s = self.structure
        ceiling = (TURNOVER_CEILING.get(s.turnover) or NO_CEILING) if s.turnover else None
        topic_ids_sql = RawSQL(
            'ARRAY(SELECT tt.topic_id FROM tenders_tender_topics tt WHERE tt.tender_id = "tenders_tender"."id" '
            "AND tt.topic_id = ANY(%s) UNION SELECT l.topic_id FROM tenders_lot l "
            'WHERE l.tender_id = "tenders_tender"."id" AND l.topic_id = ANY(%s) '
            "AND (l.reserved = '' OR l.reserved = ANY(%s)))",
            (self.topic_ids, self.topic_ids, self.eligible),
            output_field=_IDS,
        )
        topic_total_sql = RawSQL(
            "(SELECT COUNT(*) FROM (SELECT tt.topic_id FROM tenders_tender_topics tt "
            'WHERE tt.tender_id = "tenders_tender"."id" '
            'UNION SELECT l.topic_id FROM tenders_lot l WHERE l.tender_id = "tenders_tender"."id") AS all_topics)',
            (),
            output_field=IntegerField(),
        )
        return (
            base.filter(rules)
            .defer("search_vector")
            .annotate(
                m_topic_ids=topic_ids_sql,
                m_topic_total=topic_total_sql,
                m_area_level=Coalesce(Subquery(best_place.values("level")[:1]), Value(0), output_field=IntegerField())
                if covered
                else Value(0, output_field=IntegerField()),
                m_area_id=Subquery(best_place.values("named")[:1], output_field=BigIntegerField())
                if covered
                else Value(None, output_field=BigIntegerField()),
                m_no_places=~Exists(TenderPlace.objects.filter(tender_id=OuterRef("pk"))),
                m_ref_value=Coalesce(
                    Subquery(
                        own_lots.filter(estimated_value__isnull=False)
                        .order_by("estimated_value")
                        .values("estimated_value")[:1]
                    ),
                    F("estimated_value"),
                    output_field=_MONEY,
                ),
                m_ceiling=Value(ceiling, output_field=BigIntegerField()),
                m_clause_hours=Subquery(
                    own_lots.filter(insertion_hours__gt=0).order_by("insertion_hours").values("insertion_hours")[:1],
                    output_field=IntegerField(),
                ),
                m_capacity=Value(s.insertion_hours_per_year, output_field=IntegerField()),
                m_verified=Value(s.verification_status == VerificationStatus.VERIFIED, output_field=BooleanField()),
                m_lot_ids=ArraySubquery(own_lots.order_by("number").values("id")),
            )
            .annotate(match_score=_score_expression())
            .order_by("-match_score", "bid_deadline", "pk")
        )

    def match(self, tender: Tender) -> Match:
        """The Match of one tender row of `queryset()`; its lots should be prefetched (`prefetch_related('lots')`)."""
        lots = {
            lot.id: LotInfo(
                lot.id, lot.number, lot.title, lot.topic_id, lot.estimated_value, lot.reserved, lot.insertion_hours
            )
            for lot in tender.lots.all()
        }
        reasons = build_reasons(
            tender, topics=self.topics, areas=self.areas, lots=lots, turnover=self.structure.turnover or ""
        )
        return Match(score=int(tender.match_score), reasons=reasons)


def tenders_for_structure(structure: Structure) -> QuerySet[Tender]:
    """Open tenders that match `structure`, best first, annotated with `match_score` and the `m_*` values."""
    return StructureSide.load(structure).queryset()


def for_you(structure: Structure, *, limit: int = 10) -> list[tuple[Tender, Match]]:
    """The best open tenders for a structure with their reasons, in a bounded number of queries ("Pour vous")."""
    side = StructureSide.load(structure)
    tenders = list(side.queryset().select_related("buyer").prefetch_related("lots", "topics")[:limit])
    return [(tender, side.match(tender)) for tender in tenders]


# --------------------------------------------------------------------------------------------------------------
# For the buyer


def tender_stats(*, tender: Tender) -> dict:
    """Per-tender figures for the buyer.

    ``matched``: structures matching the tender (counted when it was published; live before that), ``emailed``:
    matched structures at least one member of which received the tender by email (immediately or in a digest),
    ``interested`` / ``not_interested``: the structures' answers, ``not_interested_reasons``: {reason label: n}.
    """
    from matching.models import Notification, TenderDispatch

    dispatch = TenderDispatch.objects.filter(tender=tender, finished_at__isnull=False).first()
    matched = dispatch.matched_count if dispatch else structures_matching(tender).count()
    emailed = (
        Notification.objects.emailed()
        .filter(tender=tender, structure__isnull=False)
        .aggregate(n=Count("structure", distinct=True))["n"]
    )
    answers = dict(
        Interest.objects.filter(tender=tender).values("answer").annotate(n=Count("pk")).values_list("answer", "n")
    )
    reasons = {
        str(Interest.Reason(reason).label): n
        for reason, n in Interest.objects.filter(tender=tender, answer=Interest.Answer.NOT_INTERESTED)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
        .values_list("reason", "n")
    }
    return {
        "matched": matched,
        "emailed": emailed,
        "interested": answers.get(Interest.Answer.INTERESTED, 0),
        "not_interested": answers.get(Interest.Answer.NOT_INTERESTED, 0),
        "not_interested_reasons": reasons,
    }
