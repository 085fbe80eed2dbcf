"""Run the test suite for `make test`.

- Keeps `--reuse-db` fast but safe: the test database is recreated (`--create-db`) whenever any
  `*/migrations/*.py` changed since the last run against the same server and test database name.
- Says loudly when no Chromium is found (browser tests are then skipped; CI=true makes that an error).
- Returns pytest's exit code unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAMPS = PROJECT_DIR / ".data" / "test-db"


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(PROJECT_DIR.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def database_key() -> str:
    """Which test database this run uses: the private server's port changes at each start, its data does not."""
    server = (
        "embedded" if "pg" in os.environ.get("ESS2024_EMBEDDED", "").split(",") else os.environ.get("DATABASE_URL")
    )
    return f"{server}|{os.environ.get('TEST_DATABASE_NAME', 'test_ess2024')}"


def chromium() -> str | None:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


def banner(lines: list[str]) -> None:
    width = max(len(line) for line in lines) + 4
    print("\n" + "!" * width, *(f"! {line.ljust(width - 4)} !" for line in lines), "!" * width + "\n", sep="\n")


def main(args: list[str]) -> int:
    browser = chromium()
    if not browser:
        banner(
            [
                "AUCUN CHROMIUM TROUVÉ (/usr/bin/chromium ou $CHROMIUM) :",
                "les tests navigateur (marqueur browser) NE SERONT PAS LANCÉS.",
                "Installez-le (apt-get install chromium) ou indiquez CHROMIUM=/chemin/vers/chromium.",
            ]
        )
    else:
        print(f"Tests navigateur avec {browser}")

    STAMPS.mkdir(parents=True, exist_ok=True)
    stamp = STAMPS / hashlib.sha256(database_key().encode()).hexdigest()[:16]
    digest = migrations_digest()
    previous = stamp.read_text().strip() if stamp.exists() else None
    if previous != digest and "--create-db" not in args:
        print("Les migrations ont changé depuis le dernier passage : la base de test est recréée (--create-db).")
        args = [*args, "--create-db"]

    # Ctrl-C goes to pytest (same process group), which reports and exits; this wrapper only waits for it.
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    returncode = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=PROJECT_DIR)
    if returncode in (0, 1):  # the session ran, so the test database is now migrated to this state
        stamp.write_text(digest)
    if returncode == 5:
        print("ERREUR : pytest n'a trouvé aucun test.", file=sys.stderr)
    if not browser:
        banner(["RAPPEL : tests navigateur NON LANCÉS faute de Chromium."])
    return returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
