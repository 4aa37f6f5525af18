"""Serving endpoints: which model each one serves, loaded in the background, aliases followed.

What an endpoint should serve is stored (or written in ``[ml.serving]``); what it serves now
lives in memory: the loaded model, the version loading, the last error. A watcher thread asks
every ``poll_s`` seconds which version each alias names; a new version loads in a pool thread
and replaces the served model only once it has loaded, so an invocation never waits for a
load, and one model failing to load leaves the others (and the server) serving.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from brickyard.domain.errors import (
    AlreadyExistsError,
    BrickyardError,
    ConfigError,
    InvalidInputError,
    NotFoundError,
)
from brickyard.domain.serving import (
    EndpointNotReadyError,
    EndpointSpec,
    EndpointStatus,
    ServedEntity,
    check_endpoint_name,
    parse_model_uri,
)
from brickyard.ports import Clock

_log = logging.getLogger(__name__)

CONFIG_CREATOR = "brickyard.toml"


class ServingStore(Protocol):
    """Endpoints created over the API (the metadata DB adapter)."""

    def list_endpoints(self) -> list[EndpointSpec]: ...
    def create_endpoint(self, spec: EndpointSpec) -> None: ...
    def update_endpoint(self, name: str, entity: ServedEntity, now: int) -> EndpointSpec | None: ...
    def delete_endpoint(self, name: str) -> bool: ...


class ScoringModel(Protocol):
    """A loaded model: a scoring request in, MLflow's JSON answer out."""

    def invoke(self, body: bytes, content_type: str | None) -> bytes: ...


class ModelSource(Protocol):
    """The model registry (the MLflow adapter). Errors are Brickyard errors."""

    def resolve(self, entity: ServedEntity) -> str: ...
    def load(self, entity_name: str, version: str) -> ScoringModel: ...


Target = tuple[str, str]  # (registered model, version)


@dataclass(eq=False)
class _Live:
    """One endpoint as it runs; changed under the service's lock only."""

    spec: EndpointSpec
    generation: int = 0  # bumped when the spec changes: loads started before are dropped
    model: ScoringModel | None = None
    served: Target | None = None
    loading: Target | None = None
    failed: Target | None = None  # its load failed: not retried until the spec changes
    message: str | None = None


class ServingService:
    """The workspace's serving endpoints (``[ml.serving]`` ones and stored ones)."""

    def __init__(
        self,
        store: ServingStore,
        models: ModelSource,
        clock: Clock,
        configured: dict[str, str],
        poll_s: float = 1.0,
    ) -> None:
        self._store = store
        self._models = models
        self._clock = clock
        self._poll_s = poll_s
        self._configured = _configured_specs(configured, clock.now_ms())
        self._live: dict[str, _Live] = {}
        self._lock = threading.Lock()
        self._started = False
        self._start_lock = threading.Lock()
        self._stopping = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Start loading every endpoint and following aliases; threads only if there are any."""
        with self._start_lock:  # a request during start-up waits for the endpoints' list
            if self._started:
                return
            specs = dict(self._configured)
            for spec in self._store.list_endpoints():
                if spec.name in specs:
                    _log.warning("serving endpoint %r: [ml.serving] overrides it", spec.name)
                else:
                    specs[spec.name] = spec
            with self._lock:
                for name, spec in specs.items():
                    self._live.setdefault(name, _Live(spec))
                if self._live:
                    self._start_threads()
            self._started = True

    def stop(self) -> None:
        self._stopping.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # -- use cases ----------------------------------------------------------------------
    def list(self) -> list[EndpointStatus]:
        self.start()
        with self._lock:
            return [_status(self._live[name]) for name in sorted(self._live)]

    def get(self, name: str) -> EndpointStatus:
        self.start()
        with self._lock:
            return _status(self._find(name))

    def create(self, name: str, entity: ServedEntity, user: str) -> EndpointStatus:
        """A new endpoint; its model loads in the background (it is NOT_READY meanwhile)."""
        self.start()
        check_endpoint_name(name)
        if name in self._configured:
            raise AlreadyExistsError(f"serving endpoint '{name}' is defined in [ml.serving]")
        version = self._models.resolve(entity)  # fails now for a model or alias that is not there
        now = self._clock.now_ms()
        spec = EndpointSpec(name, entity, user, now, now)
        self._store.create_endpoint(spec)
        with self._lock:
            live = self._live[name] = _Live(spec)
            self._start_threads()
        self._start_load(live, 0, (entity.name, version))
        return self.get(name)

    def update(self, name: str, entity: ServedEntity) -> EndpointStatus:
        """Serve ``entity`` from now on; the current model answers until the new one loads."""
        self.start()
        self._refuse_configured(name, "change")
        with self._lock:
            self._find(name)
        version = self._models.resolve(entity)
        spec = self._store.update_endpoint(name, entity, self._clock.now_ms())
        if spec is None:
            raise self._missing(name)
        with self._lock:
            live = self._find(name)
            live.spec, live.generation = spec, live.generation + 1
            live.loading = live.failed = live.message = None
            generation = live.generation
        self._start_load(live, generation, (entity.name, version))
        return self.get(name)

    def delete(self, name: str) -> None:
        self.start()
        self._refuse_configured(name, "remove")
        with self._lock:
            self._find(name)
        self._store.delete_endpoint(name)
        with self._lock:
            self._live.pop(name, None)

    def invoke(self, name: str, body: bytes, content_type: str | None) -> bytes:
        """The model's answer to a scoring request (MLflow's JSON)."""
        self.start()
        with self._lock:
            live = self._find(name)
            model, loading, message = live.model, live.loading, live.message
        if model is None:
            if loading is not None:
                raise EndpointNotReadyError(
                    f"serving endpoint '{name}' is not ready: loading model '{loading[0]}' "
                    f"version {loading[1]}; retry in a few seconds",
                    transient=True,
                )
            raise EndpointNotReadyError(
                f"serving endpoint '{name}' is not ready: "
                + (message or "its model has not started loading yet; retry in a few seconds"),
                transient=message is None,
            )
        return model.invoke(body, content_type)

    # -- loading ------------------------------------------------------------------------
    def _start_threads(self) -> None:
        """(Under the lock.) The loaders' pool and the alias watcher, once."""
        if self._pool is not None:
            return
        # One load at a time: a flavor imports its libraries on first load, and two threads
        # importing one package tree at once can deadlock on Python's module locks.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-loader")
        threading.Thread(target=self._watch, name="serving-watcher", daemon=True).start()

    def _watch(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                names = list(self._live)
            for name in names:
                try:
                    self._refresh(name)
                except Exception:  # keep watching the others
                    _log.exception("serving endpoint %r: checking its model failed", name)
            self._stopping.wait(self._poll_s)

    def _refresh(self, name: str) -> None:
        """Load the version the endpoint's entity names now, if it is not served yet."""
        with self._lock:
            live = self._live.get(name)
            if live is None:
                return
            entity, generation = live.spec.entity, live.generation
            if entity.alias is None:
                fixed = (entity.name, str(entity.version))
                if fixed in (live.served, live.loading, live.failed):
                    return  # a fixed version is loaded once
        try:
            version = self._models.resolve(entity)
        except Exception as exc:  # e.g. the alias was removed: keep serving, report it
            message = exc.message if isinstance(exc, BrickyardError) else f"{entity.uri}: {exc}"
            if not isinstance(exc, BrickyardError):
                _log.warning("serving endpoint %r: resolving %s failed", name, entity.uri)
            with self._lock:
                if self._is_current(live, generation):
                    live.message = message
            return
        self._start_load(live, generation, (entity.name, version))

    def _start_load(self, live: _Live, generation: int, target: Target) -> None:
        with self._lock:
            if not self._is_current(live, generation) or self._pool is None:
                return
            if self._stopping.is_set():  # the pool takes no more work
                return
            if target == live.served:
                live.loading = live.message = None  # e.g. an alias moved back
                return
            if target in (live.loading, live.failed):
                return
            live.loading = target
            self._pool.submit(self._load, live, generation, target)

    def _load(self, live: _Live, generation: int, target: Target) -> None:
        name = live.spec.name
        retry = False
        try:
            model: ScoringModel | None = self._models.load(*target)
            error = None
        except BrickyardError as exc:
            model, error = None, exc.message
            retry = exc.transient or isinstance(exc, NotFoundError)
        except Exception as exc:  # a model's own loader failing in a way we did not foresee
            _log.exception("serving endpoint %r: loading %s failed", name, target)
            model, error = None, f"model '{target[0]}' version {target[1]} failed to load: {exc}"
        with self._lock:
            if not self._is_current(live, generation) or live.loading != target:
                return  # deleted, reconfigured, or an alias moved on meanwhile
            live.loading = None
            if model is None:
                live.message = error
                live.failed = None if retry else target
                _log.warning("serving endpoint %r: %s", name, error)
                return
            live.model, live.served, live.failed, live.message = model, target, None, None
        _log.info("serving endpoint %r serves model %r version %s", name, *target)

    def _is_current(self, live: _Live, generation: int) -> bool:
        """(Under the lock.) ``live`` is still an endpoint and its spec has not changed."""
        return self._live.get(live.spec.name) is live and live.generation == generation

    # -- helpers ------------------------------------------------------------------------
    def _find(self, name: str) -> _Live:
        live = self._live.get(name)
        if live is None:
            raise self._missing(name)
        return live

    def _missing(self, name: str) -> NotFoundError:
        names = sorted(self._live)
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else ""
        return NotFoundError(f"serving endpoint '{name}' does not exist{hint}")

    def _refuse_configured(self, name: str, change: str) -> None:
        if name in self._configured:
            raise InvalidInputError(
                f"serving endpoint '{name}' is defined in brickyard.toml ([ml.serving]): "
                f"{change} it there; the server reads it when it starts"
            )


def _configured_specs(configured: dict[str, str], now: int) -> dict[str, EndpointSpec]:
    specs = {}
    for name, uri in configured.items():
        try:
            check_endpoint_name(name)
            entity = parse_model_uri(uri)
        except BrickyardError as exc:
            raise ConfigError(f"[ml.serving] {name}: {exc.message}") from exc
        specs[name] = EndpointSpec(name, entity, CONFIG_CREATOR, now, now, from_config=True)
    return specs


def _status(live: _Live) -> EndpointStatus:
    served, loading = live.served, live.loading
    return EndpointStatus(
        spec=live.spec,
        served_name=served[0] if served else None,
        served_version=served[1] if served else None,
        loading_version=loading[1] if loading else None,
        message=live.message,
    )


class _NoStoredEndpoints:
    """The store of a one-model server: nothing stored, nothing to store."""

    def list_endpoints(self) -> list[EndpointSpec]:
        return []

    def create_endpoint(self, spec: EndpointSpec) -> None:
        raise InvalidInputError("this server serves one model; it has no endpoints to create")

    def update_endpoint(self, name: str, entity: ServedEntity, now: int) -> EndpointSpec | None:
        return None

    def delete_endpoint(self, name: str) -> bool:
        return False


class FollowedModel:
    """``models:/NAME@ALIAS`` for `brickyard serve`, served as `brickyard up`'s endpoints are:
    when the alias moves, the version it names loads in the background and replaces the
    served one once loaded (a version failing to load leaves the old one serving)."""

    ENDPOINT = "model"

    def __init__(self, models: ModelSource, clock: Clock, uri: str, poll_s: float = 1.0) -> None:
        parse_model_uri(uri)  # a registered model URI, or InvalidInputError saying which to use
        self._service = ServingService(
            _NoStoredEndpoints(), models, clock, {self.ENDPOINT: uri}, poll_s
        )

    def wait_loaded(self, poll_s: float = 0.05) -> EndpointStatus:
        """Block until the first version is served; the resolve/load error if it cannot be
        (the service is stopped then, as on Ctrl+C)."""
        try:
            while True:
                status = self._service.get(self.ENDPOINT)
                if status.served_version is not None:
                    return status
                if status.message and status.loading_version is None:
                    raise BrickyardError(status.message)
                time.sleep(poll_s)
        except BaseException:
            self._service.stop()
            raise

    def status(self) -> EndpointStatus:
        return self._service.get(self.ENDPOINT)

    def invoke(self, body: bytes, content_type: str | None) -> bytes:
        return self._service.invoke(self.ENDPOINT, body, content_type)

    def stop(self) -> None:
        self._service.stop()
