"""Reading a PostgreSQL timeline from a streaming replica (issue #33).

A private primary is made with ``initdb`` and a standby of it with ``pg_basebackup``, each on a
port of its own (the shared server is never restarted or reconfigured). Skipped where the
server's programs are not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline import Log, ManualClock, ReadOnlyStoreError
from timeline.events import Statement
from timeline.sanctions import Designated, SanctionsInForce, Target, TargetKind
from timeline.stores import PostgresStore

pytest.importorskip("psycopg", reason="the postgres extra is not installed")


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return None if initdb is None else Path(initdb).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """Run as the postgres user when we are root (the server refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """URLs of a private primary (``wal_level=logical``) and of a streaming replica of it."""
    programs = _bin()
    if programs is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_basebackup) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("run as root without runuser: the server cannot be started as root")
    folder = Path(tempfile.mkdtemp(prefix="timeline-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    primary, replica = folder / "primary", folder / "replica"
    ports = _free_port(), _free_port()
    started: list[Path] = []

    def run(*command: str) -> None:
        subprocess.run(_as_postgres([str(programs / command[0]), *command[1:]]), check=True,
                       capture_output=True)  # fmt: skip

    try:
        run("initdb", "-D", str(primary), "-A", "trust", "-U", "postgres")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {ports[0]}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\nwal_level = logical\nfsync = off\n"
            )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        run("pg_ctl", "-D", str(primary), "-l", str(folder / "primary.log"), "-w", "start")
        started.append(primary)
        run("pg_basebackup", "-h", "127.0.0.1", "-p", str(ports[0]), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream")  # fmt: skip
        with (replica / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {ports[1]}\n")
        run("pg_ctl", "-D", str(replica), "-l", str(folder / "replica.log"), "-w", "start")
        started.append(replica)
        yield tuple(f"postgresql://postgres@127.0.0.1:{port}/postgres" for port in ports)  # type: ignore[misc]
    finally:
        for data in reversed(started):
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _until(check, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for the replica to replay what the primary committed."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not catch up")
        time.sleep(0.02)


def test_a_replica_is_read_and_answers_as_of_its_own_head(servers):
    """Records, facts and their head from the standby; writing there is refused, plainly."""
    primary_url, replica_url = servers
    writer = Log(PostgresStore(primary_url, schema="answers"), clock=ManualClock("2024-01-12"))
    unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
    writer.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
    with pytest.raises(ReadOnlyStoreError, match="read-only replica"):
        PostgresStore(replica_url, schema="answers")
    _until(lambda: _opens(replica_url, "answers"))
    replica = PostgresStore(replica_url, schema="answers", read_only=True)
    reader = Log(replica)
    _until(lambda: replica.head() == writer.store.head())
    assert list(reader) == list(writer)
    facts = SanctionsInForce(reader)
    assert facts.in_force("2024-02-01").keys() == ["United States / - / 224th Flight Unit"]
    assert facts.position == replica.head().position  # the head the answer is as of
    with pytest.raises(ReadOnlyStoreError):
        reader.append(Statement(speaker="a", text="b"), valid="2024")
    replica.close()
    writer.store.close()


def _opens(url: str, schema: str) -> bool:
    try:
        PostgresStore(url, schema=schema, read_only=True).close()
    except Exception:  # noqa: BLE001 -- not replayed yet: the store is not there
        return False
    return True


def test_a_follower_on_the_replica_sees_new_records(servers):
    """The standby cannot LISTEN: a follower there still sees each append, by asking."""
    primary_url, replica_url = servers
    writer = Log(PostgresStore(primary_url, schema="follow"))
    writer.append(Statement(speaker="w", text="0"), valid="2024")
    _until(lambda: _opens(replica_url, "follow"))
    replica = PostgresStore(replica_url, schema="follow", read_only=True)
    _until(lambda: replica.head() is not None)
    assert replica.wait_for(1, timeout=0.1) == 1  # nothing new: back after the timeout

    def append_later() -> None:
        for n in range(1, 4):
            time.sleep(0.1)
            writer.append(Statement(speaker="w", text=str(n)), valid="2024")

    appending = threading.Thread(target=append_later)
    appending.start()
    seen = []
    for record in Log(replica).follow(0, idle=10.0):
        seen.append(record.event.text)
        if len(seen) == 4:
            break
    appending.join()
    assert seen == ["0", "1", "2", "3"]
    replica.close()
    writer.store.close()


def test_facts_are_saved_where_every_table_is_published_for_logical_replication(servers):
    """``wal_level=logical`` and a FOR ALL TABLES publication: saving (which deletes) works.

    A logical slot decodes what was published, the saved rows' deletes included.
    """
    import psycopg  # noqa: PLC0415 -- the extra, known to be there

    primary_url, _ = servers
    with psycopg.connect(primary_url, autocommit=True) as db:
        db.execute("CREATE PUBLICATION everything FOR ALL TABLES")
        db.execute("SELECT pg_create_logical_replication_slot('watch', 'pgoutput')")
    try:
        log = Log(PostgresStore(primary_url, schema="published"), clock=ManualClock("2024-01-12"))
        unit = Target(name="224th Flight Unit", kind=TargetKind.ENTITY)
        log.append(Designated(target=unit, authority="United States"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()
        log.append(Designated(target=unit, authority="United Kingdom"), valid="2024-01-11/..")
        SanctionsInForce(log).save_snapshot()  # replaces the rows saved before
        found = SanctionsInForce.answer_from(log.store, "2024-02-01")
        assert len(found.keys()) == 2
        with psycopg.connect(primary_url, autocommit=True) as db:
            changes = db.execute(
                "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('watch', NULL, NULL, "
                "'proto_version', '1', 'publication_names', 'everything')"
            ).fetchone()
        assert changes is not None
        assert changes[0] > 0
        log.store.close()
    finally:
        with psycopg.connect(primary_url, autocommit=True) as db:
            db.execute("SELECT pg_drop_replication_slot('watch')")
            db.execute("DROP PUBLICATION everything")
