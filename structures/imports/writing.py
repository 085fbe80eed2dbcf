"""Writing valid rows: create the new structures, update only the fields that differ, add M2M links."""

from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from structures.imports.checking import CleanRow, Existing, _entry, plan_row
from structures.imports.columns import CREATE, M2M_FIELDS, REJECT, RESERVED_SLUGS, SCALAR_FIELDS
from structures.imports.parsing import RawRow
from structures.models import Structure


def _free_slugs(names: list[str]) -> list[str]:
    """A unique slug per name (like the sign-up's: the name, then name-2, name-3…), free in the database."""
    bases = [slugify(name)[:200].strip("-") or "structure" for name in names]
    query = Q()
    for base in set(bases):
        query |= Q(slug=base) | Q(slug__startswith=f"{base}-")
    taken = set(Structure.objects.filter(query).values_list("slug", flat=True)) | RESERVED_SLUGS
    slugs = []
    for base in bases:
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        slugs.append(candidate)
    return slugs


def _write(rows: list[tuple[RawRow, CleanRow]], existing: dict[str, Existing]) -> list[dict]:
    """Write valid rows: create the new structures, update only the fields that differ. Returns report entries."""
    entries = {}
    to_create: list[tuple[RawRow, CleanRow]] = []
    links: list[tuple[str, int, set[int]]] = []  # (relation, structure id, ids to add)
    # The rows to update, whole (one query): a save then records a complete row in the structure's history.
    to_update = Structure.objects.in_bulk(
        [existing[clean.siret].pk for _raw, clean in rows if clean.siret in existing], field_name="pk"
    )
    for raw, clean in rows:
        current = existing.get(clean.siret)
        action, changes = plan_row(clean, current)
        if action == CREATE:
            to_create.append((raw, clean))
            continue
        entries[raw.line] = _entry(raw, action=action, changes=changes, siret=clean.siret)
        scalar = [name for name in changes if name in SCALAR_FIELDS]
        if scalar:
            structure = to_update[current.pk]
            for name in scalar:
                setattr(structure, name, clean.fields[name])
            structure.save(update_fields=[*scalar, "updated_at"])
        for relation in M2M_FIELDS:
            missing = getattr(clean, relation) - getattr(current, relation)
            if missing:
                links.append((relation, current.pk, missing))
    if to_create:
        slugs = _free_slugs([clean.name for _raw, clean in to_create])
        new = [
            Structure(siret=clean.siret, slug=slug, **clean.fields)
            for (_raw, clean), slug in zip(to_create, slugs, strict=True)
        ]
        # A structure signing up with the same SIRET at this very moment wins: its row is reported, not overwritten.
        Structure.objects.bulk_create(new, ignore_conflicts=True)
        created = dict(
            Structure.objects.filter(siret__in=[s.siret for s in new], slug__in=slugs).values_list("siret", "pk")
        )
        for raw, clean in to_create:
            pk = created.get(clean.siret)
            if pk is None:
                entries[raw.line] = _entry(
                    raw,
                    action=REJECT,
                    siret=clean.siret,
                    errors=[_("Une structure avec ce SIRET vient d'être créée par ailleurs : relancez l'import.")],
                )
                continue
            entries[raw.line] = _entry(raw, action=CREATE, siret=clean.siret)
            for relation in M2M_FIELDS:
                if getattr(clean, relation):
                    links.append((relation, pk, getattr(clean, relation)))
    for relation in M2M_FIELDS:
        through = getattr(Structure, relation).through
        target = f"{Structure._meta.get_field(relation).m2m_reverse_field_name()}_id"
        objects = [
            through(structure_id=pk, **{target: item})
            for rel, pk, items in links
            if rel == relation
            for item in sorted(items)
        ]
        through.objects.bulk_create(objects, ignore_conflicts=True)
    return [entries[raw.line] for raw, _clean in rows]
