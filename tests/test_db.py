import sqlite3

import pytest
import sqlite_utils

from tracker.db import MIGRATION_NAMES, migrations, open_db, schema_version
from tracker.errors import SchemaError


def test_new_database_is_wal_with_foreign_keys_and_all_migrations(tmp_path):
    db = open_db(tmp_path / "t.db")
    assert db.journal_mode == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert db.execute("pragma busy_timeout").fetchone()[0] >= 5000
    assert schema_version(db) == MIGRATION_NAMES[-1]
    assert {"meetings", "documents", "items", "evidence", "status_events"} <= set(db.table_names())


def test_older_database_is_migrated_on_open_keeping_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before=MIGRATION_NAMES[-1])
    old["sources"].insert({"id": "granicus", "name": "Granicus", "base_url": "x", "kind": "g"})
    old.conn.close()

    db = open_db(path)
    assert schema_version(db) == MIGRATION_NAMES[-1]
    assert db["sources"].count == 1


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "new.db"
    open_db(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('tracker', '0999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError) as info:
        open_db(path)
    assert "newer version" in str(info.value)
    assert "0999_from_the_future" in str(info.value)


def test_foreign_keys_are_enforced(tmp_path):
    db = open_db(tmp_path / "t.db")
    with pytest.raises(sqlite3.IntegrityError):
        db["documents"].insert(
            {
                "meeting_id": "no-such-meeting",
                "kind": "agenda",
                "url": "u",
                "sha256": "s",
                "version": 1,
                "fetched_at": "2026-01-01",
            }
        )
