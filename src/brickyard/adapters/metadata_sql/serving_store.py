"""Serving endpoints created over the API, on SQLAlchemy Core (table of migration ``0004``)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from brickyard.adapters.metadata_sql.models import serving_endpoints
from brickyard.adapters.metadata_sql.transactions import Transaction, db_errors_translated
from brickyard.domain.errors import AlreadyExistsError
from brickyard.domain.serving import EndpointSpec, ServedEntity


@db_errors_translated
class SqlServingStore:
    """The workspace's stored serving endpoints, one transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list_endpoints(self) -> list[EndpointSpec]:
        query = select(serving_endpoints).order_by(serving_endpoints.c.name)
        with self.engine.connect() as conn:
            return [_spec(r._mapping) for r in conn.execute(query)]

    def get_endpoint(self, name: str) -> EndpointSpec | None:
        query = select(serving_endpoints).where(serving_endpoints.c.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _spec(row._mapping) if row else None

    def create_endpoint(self, spec: EndpointSpec) -> None:
        entity = spec.entity
        try:
            with Transaction(self.engine) as conn:
                conn.execute(
                    insert(serving_endpoints).values(
                        name=spec.name,
                        entity_name=entity.name,
                        entity_version=entity.version,
                        alias=entity.alias,
                        created_by=spec.created_by,
                        created_at=spec.created_at,
                        updated_at=spec.updated_at,
                    )
                )
        except IntegrityError as exc:
            raise AlreadyExistsError(f"serving endpoint '{spec.name}' already exists") from exc

    def update_endpoint(self, name: str, entity: ServedEntity, now: int) -> EndpointSpec | None:
        """Serve ``entity`` from now on; None when there is no such endpoint."""
        with Transaction(self.engine) as conn:
            result = conn.execute(
                update(serving_endpoints)
                .where(serving_endpoints.c.name == name)
                .values(
                    entity_name=entity.name,
                    entity_version=entity.version,
                    alias=entity.alias,
                    updated_at=now,
                )
            )
        return self.get_endpoint(name) if result.rowcount else None

    def delete_endpoint(self, name: str) -> bool:
        with Transaction(self.engine) as conn:
            result = conn.execute(delete(serving_endpoints).where(serving_endpoints.c.name == name))
        return bool(result.rowcount)


def _spec(row: RowMapping) -> EndpointSpec:
    return EndpointSpec(
        name=row["name"],
        entity=ServedEntity(row["entity_name"], row["entity_version"], row["alias"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
