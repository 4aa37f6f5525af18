"""Alembic migrations run on start and carry existing data forward."""

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine

import brickyard
from brickyard.adapters.metadata_sql.engine import MIGRATIONS, head_revision


def test_an_old_database_is_upgraded_on_connect_keeping_its_rows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    brickyard.connect(home).close()  # a home as an older Brickyard made it ...
    for leftover in home.glob("metadata.db*"):  # ... with a metadata DB still at revision 0001
        leftover.unlink()
    engine = create_engine(f"sqlite:///{home / 'metadata.db'}")
    with engine.begin() as connection:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.exec_driver_sql(
            "INSERT INTO catalogs (id, name, comment, owner, created_at, updated_at) "
            "VALUES ('c1', 'legacy', 'made at 0001', 'old', 1, 1)"
        )
    engine.dispose()
    with brickyard.connect(home) as ws:
        legacy = ws.catalog.get_catalog("legacy")
        assert legacy.comment == "made at 0001"
        assert legacy.properties == {}
        created = ws.catalog.create_catalog("fresh", properties={"team": "data"})
        assert ws.catalog.get_catalog("fresh").properties == created.properties == {"team": "data"}
        with ws.store.engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
            )


def test_head_revision_without_alembic_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    from brickyard.adapters.metadata_sql.engine import MIGRATIONS, head_revision

    assert head_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()
