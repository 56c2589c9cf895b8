"""The HTTP API: a FastAPI app over the same engine as the CLI and the page.

``create_app`` builds the app; its lifespan loads the index and the model once,
in the background (health says "not ready" and questions get 503 meanwhile),
and keeps the engine on ``app.state``. Concurrent questions are embedded
together on encoding threads and answered on another (``batching.MicroBatcher``); a plain
``POST /v1/ask`` skips FastAPI's per-request layers (``FastAsk``). A watcher
reloads the index when a rebuild swaps a new one in; a request keeps the engine
it started with, and an index that fails to load is refused with a logged reason
while the old one keeps serving.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from faqrag import __version__, env
from faqrag.engine import Engine, check_question
from faqrag.errors import FaqragError, IndexStateError, QuestionError
from faqrag.learn import qlog
from faqrag.serve.batching import MicroBatcher
from faqrag.settings import Settings, read_json_object, refuse_unknown

log = logging.getLogger("faqrag.serve")
TOKEN_ENV = env.API_TOKEN


@dataclass(frozen=True)
class ServeSettings:
    """Bounds and knobs of the server (not of answering: those are ``Settings``)."""

    max_body_bytes: int = 65_536  # a question is at most 2,000 characters; a batch of them fits
    max_batch: int = 32  # questions in one POST /v1/ask/batch
    request_timeout_s: float = 10.0  # waiting for a question's answer (embedded and composed); then 504
    batch_wait_ms: float = 2.0  # how long the embedding thread waits for company once it has a question
    max_micro_batch: int = 32  # questions embedded together at most
    watch_interval_s: float = 1.0  # how often the index's manifest is checked for a new build
    cors_origins: tuple[str, ...] = ()  # none by default: browsers on other origins are refused
    model_threads: int = 0  # threads of one model call; 0: the worker's share of the cores
    encoders: int = 0  # model calls at once in each worker; 0: one (two under `faqrag serve` with 2+ cores to a worker)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "cors_origins":
                if not (isinstance(value, tuple) and all(isinstance(v, str) and v for v in value)):
                    raise FaqragError("setting cors_origins must be a list of origins such as 'https://example.org'")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise FaqragError(f"setting {f.name} must be a number of at least 0, not {value!r}")
            elif f.type == "int" and not isinstance(value, int):
                raise FaqragError(f"setting {f.name} must be a whole number, not {value!r}")
        if self.max_batch < 1 or self.max_micro_batch < 1 or self.max_body_bytes < 1024:
            raise FaqragError("settings max_batch and max_micro_batch must be at least 1, max_body_bytes at least 1024")

    @classmethod
    def from_dict(cls, data: dict) -> ServeSettings:
        refuse_unknown(cls, data, "server setting")
        if isinstance(data.get("cors_origins"), list):
            data = {**data, "cors_origins": tuple(data["cors_origins"])}
        return cls(**data)


# ------------------------------------------------------------- the bodies


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: StrictStr
    k: StrictInt = Field(5, ge=1, le=50)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[StrictStr] = Field(min_length=1)
    k: StrictInt = Field(5, ge=1, le=50)


class AnswerOut(BaseModel):
    text: str
    source: str
    kind: str
    doc: str
    chunk_id: str
    span: tuple[int, int]


class PassageOut(BaseModel):
    text: str
    score: float
    source: str
    kind: str
    doc: str
    chunk_id: str
    highlight: str
    span: tuple[int, int]


class FaqOut(BaseModel):
    question: str
    answer: str
    score: float
    source: str
    doc: str
    chunk_id: str


class AskResponse(BaseModel):
    """The answer JSON, as ``faqrag ask --json`` prints it."""

    question: str
    abstained: bool
    confidence: float
    answer: AnswerOut | None
    passages: list[PassageOut]
    faq: list[FaqOut]
    suggestions: list[str]
    notice: str | None
    read_as: str | None = Field(None, description='words read differently: "Frnace → France"')
    timings_ms: dict[str, float]


class BatchResponse(BaseModel):
    answers: list[AskResponse]


class ErrorOut(BaseModel):
    error: str


# ------------------------------------------------------- the moving parts


@dataclass
class ServerState:
    """What the app holds: the engine in use (swapped whole), and why not, if none."""

    index_dir: Path
    corpus_dir: Path | None
    settings: Settings
    serve: ServeSettings
    token: str | None
    engine: Engine | None = None
    batcher: MicroBatcher | None = None
    error: str | None = None  # why there is no engine yet (a failed first load)
    last_refusal: str | None = None  # why the latest new index was not swapped in
    signature: tuple | None = None  # of the manifest the engine was loaded from
    swaps: int = 0
    embedder_factory: Any = None  # model id -> question embedder
    log_db: Path | None = None  # the question log; None: off
    log_writer: qlog.BackgroundWriter | None = None  # writes it from a thread of its own
    stop: threading.Event = field(default_factory=threading.Event)
    reload_lock: threading.Lock = field(default_factory=threading.Lock)

    def manifest_signature(self) -> tuple | None:
        try:
            st = os.stat(self.index_dir / "manifest.json")
        except OSError:
            return None  # missing, or a build is swapping folders this instant
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def public(self, message: str) -> str:
        """``message`` without the server's absolute paths: folders are named by their last part."""
        folders = {self.index_dir.resolve(), *([self.corpus_dir.resolve()] if self.corpus_dir else [])}
        if self.engine is not None:
            folders.add(Path(self.engine.stored.manifest["corpus"]["dir"]))
        for parent in sorted({str(f.parent) for f in folders}, key=len, reverse=True):
            if parent != "/":
                message = message.replace(parent.rstrip("/") + "/", "")
        return message

    def load(self) -> None:
        """First load, in the background: index, model, a warm-up encode. Tried again by
        the watcher when the index changes, if it failed."""
        from faqrag.index.store import load_index

        try:
            sig = self.manifest_signature()
            self.signature = sig  # a failed load is retried when the manifest changes
            stored = load_index(self.index_dir)
            embedder = self.embedder_factory(stored.manifest["model"]["id"])
            engine = Engine(stored, embedder, self.settings)
            engine.warm_up()
            batcher = MicroBatcher(
                engine.embedder,
                max_batch=self.serve.max_micro_batch,
                wait_s=self.serve.batch_wait_ms / 1000,
                after_batch=self.log_batch,
                encoders=self.serve.encoders or 1,
            )
        except FaqragError as err:
            self.error = self.public(str(err))
            log.error("cannot serve: %s", err)
            return
        except Exception as err:  # a library's own error while loading; say what, not a traceback
            self.error = self.public(f"cannot load the index or the model ({type(err).__name__}: {err})")
            log.exception("cannot serve")
            return
        self.batcher = batcher
        self.engine, self.error = engine, None
        log.info("ready: %s chunks from %s", len(stored.chunks), _public_manifest(stored.manifest)["corpus"]["dir"])

    def log_batch(self, answered: list[tuple[str, Any, bytes]]) -> None:
        """Hand a batch's questions to the log's own thread, once their answers are back."""
        if self.log_db is None:
            return
        if self.log_writer is None:
            self.log_writer = qlog.BackgroundWriter(self.log_db, "api", qlog.retention(self.settings))
        self.log_writer.put([(q, resp) for q, resp, _ in answered])

    def reload_if_changed(self) -> bool:
        """Swap in a new index if the manifest changed; True when one was swapped in."""
        with self.reload_lock:
            current = self.engine
            sig = self.manifest_signature()
            if current is None or sig is None or sig == self.signature:
                return False
            from faqrag.index.store import load_index

            try:
                stored = load_index(self.index_dir)
                engine = Engine(stored, current.embedder, self.settings)
                engine.rewriter.warm_up()  # here, not in the first question after the swap
            except Exception as err:
                msg = str(err) if isinstance(err, FaqragError) else f"{type(err).__name__}: {err}"
                self.signature = sig  # refuse this build once, not every tick; the next build is tried
                self.last_refusal = self.public(msg)
                log.error("new index refused, still serving the one built %s: %s", self.built_at(), msg)
                return False
            self.signature, self.engine = sig, engine  # one assignment: a request sees old or new, whole
            self.swaps += 1
            self.last_refusal = None
            log.info("swapped in the index built %s (%s chunks)", stored.manifest["built_at"], len(stored.chunks))
            return True

    def built_at(self) -> str | None:
        return self.engine.stored.manifest["built_at"] if self.engine else None

    def watch(self) -> None:
        while not self.stop.wait(self.serve.watch_interval_s):
            try:
                if self.engine is None and self.error and self.manifest_signature() != self.signature:
                    self.load()  # the first load failed; a new build may fix it
                else:
                    self.reload_if_changed()
            except Exception:  # the watcher must outlive any one bad build
                log.exception("index watcher")


def _public_manifest(manifest: dict) -> dict:
    """The manifest without the server's absolute paths."""
    out = json.loads(json.dumps(manifest))
    out["corpus"]["dir"] = Path(out["corpus"]["dir"]).name
    model = out.get("model", {})
    if isinstance(model.get("id"), str) and os.path.isabs(model["id"]):
        model["id"] = Path(model["id"]).name
    return out


class JSONBytes(Response):
    """A JSON body serialised already (by ``answer_json``)."""

    media_type = "application/json"


def answer_json(resp) -> bytes:
    """An engine ``Response`` as the bytes of its ``to_dict()`` JSON, straight from the
    dataclasses (orjson: ~10x faster than ``asdict`` then ``json.dumps``, which cost
    about a tenth of a question's time at load)."""
    return orjson.dumps(resp, default=_plain)


def _plain(value):
    """numpy numbers, which orjson leaves to this hook, as Python's."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# ------------------------------------------------------------- the app


def create_app(
    index_dir: Path,
    *,
    corpus_dir: Path | None = None,
    settings: Settings | None = None,
    serve: ServeSettings | None = None,
    embedder_factory=None,
    api_token: str | None = None,
) -> FastAPI:
    """The API over the index at ``index_dir``. ``embedder_factory(model_id)``
    makes the question embedder (default: ``embedding.default_embedder``);
    ``api_token`` (default: ``$FAQRAG_API_TOKEN``) enables the write endpoints."""
    from contextlib import asynccontextmanager

    from faqrag.models.choose import default_embedder

    serve = serve or ServeSettings()
    token = api_token if api_token is not None else env.api_token()
    state = ServerState(Path(index_dir), corpus_dir, settings or Settings(), serve, token)
    state.log_db = qlog.log_path(state.index_dir, state.settings.log_questions)
    state.embedder_factory = embedder_factory or (lambda model_id: default_embedder(model_id, from_index=True))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader = threading.Thread(target=state.load, name="faqrag-load", daemon=True)
        watcher = threading.Thread(target=state.watch, name="faqrag-watch", daemon=True)
        loader.start()
        watcher.start()
        try:
            yield
        finally:
            state.stop.set()
            if state.batcher:
                state.batcher.close()
            if state.log_writer:
                state.log_writer.close()  # what was answered is written before the process ends

    app = FastAPI(
        title="faqrag",
        version=__version__,
        description="Answers questions from a help guide with a short answer and its source.",
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load their scripts from a CDN: blank pages
        # offline. fastapi-swagger serves Swagger UI from the package instead.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    from fastapi_swagger import patch_fastapi

    patch_fastapi(app, docs_url="/docs", redirect_from_root_to_docs=True)
    app.state.faqrag = state

    def engine_or_503() -> Engine:
        engine = state.engine
        if engine is None:
            raise HTTPException(503, state.error or "the index is still loading; retry in a moment")
        return engine

    async def answer(engine: Engine, questions: list[str], k: int) -> list[bytes]:
        """Each question's answer JSON, made in the batcher's threads."""

        def prepare(q: str):
            rw = engine.rewrite(q)
            return rw.text, rw

        def then(q: str):
            def done(vec, ms, rw):
                resp = engine.answer_vector(q, rw, vec, k, ms)
                return q, resp, answer_json(resp)  # serialised here, off the event loop

            return done

        futures = [state.batcher.submit_async(q, then(q), prepare) for q in questions]
        try:
            if len(futures) == 1:
                done = [await asyncio.wait_for(futures[0], serve.request_timeout_s)]
            else:
                done = await asyncio.wait_for(asyncio.gather(*futures), serve.request_timeout_s)
        except asyncio.TimeoutError:
            for f in futures:
                f.cancel()  # those not yet embedding are dropped from the queue
            raise HTTPException(504, f"answering took longer than {serve.request_timeout_s:g} s; try again") from None
        return [body for _, _, body in done]

    async def ask_fast(body: bytes) -> bytes | None:
        """POST /v1/ask's answer for ``FastAsk``, or None to send the request the long way
        (whatever is not a valid question to a ready server: the long way says why)."""
        try:
            req = AskRequest.model_validate(json.loads(body))
        except Exception:  # not JSON, too deep, not the shape: the long way's messages
            return None
        engine = state.engine
        if engine is None:
            return None
        try:
            q = check_question(req.question, state.settings)
        except QuestionError:
            return None
        return (await answer(engine, [q], req.k))[0]

    app.add_middleware(FastAsk, path="/v1/ask", ask=ask_fast, limit=serve.max_body_bytes)
    app.add_middleware(BodyLimit, limit=serve.max_body_bytes)
    if serve.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(serve.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    _add_error_handlers(app)

    errors = {code: {"model": ErrorOut} for code in (400, 413, 415, 422, 503, 504)}

    @app.post("/v1/ask", response_model=AskResponse, responses=errors, summary="Answer one question")
    async def ask(req: AskRequest) -> Any:
        engine = engine_or_503()  # this request keeps this engine even if a new index is swapped in
        q = check_question(req.question, state.settings)
        # Returned as built: the engine's answer is already the documented shape (a test holds
        # it to AskResponse), and validating it again costs more than answering from BM25.
        return JSONBytes((await answer(engine, [q], req.k))[0])

    @app.post("/v1/ask/batch", response_model=BatchResponse, responses=errors, summary="Answer several questions")
    async def ask_batch(req: BatchRequest) -> Any:
        if len(req.questions) > serve.max_batch:
            raise HTTPException(
                422, f"the batch holds {len(req.questions)} questions; the limit is {serve.max_batch}, split it"
            )
        engine = engine_or_503()
        qs = []
        for n, q in enumerate(req.questions, 1):
            try:
                qs.append(check_question(q, state.settings))
            except QuestionError as err:
                raise QuestionError(f"question {n}: {err}") from None
        return JSONBytes(b'{"answers":[' + b",".join(await answer(engine, qs, req.k)) + b"]}")

    @app.get("/v1/health", summary="Live always; ready (200) once the index is loaded, else 503")
    async def health() -> JSONResponse:
        ready = state.engine is not None
        live = state.batcher is None or state.batcher.alive()
        body = {"live": live, "ready": ready and live, "built_at": state.built_at()}
        if not live:  # a load balancer should replace this process
            body["error"] = "the answering threads stopped (see the server log); restart the server"
        elif not ready:
            body["error"] = state.error or "the index is still loading"
        return JSONResponse(body, status_code=200 if ready and live else 503)

    @app.get("/v1/info", summary="The index manifest and whether the corpus changed since the build")
    async def info() -> dict:
        engine = engine_or_503()
        from faqrag.index.build import stale_files

        manifest = engine.stored.manifest
        corpus = state.corpus_dir
        stale = await run_in_threadpool(stale_files, manifest, corpus)
        root = str(corpus or manifest["corpus"]["dir"])
        return {
            "manifest": _public_manifest(manifest),
            "stale": bool(stale),
            "stale_files": [state.public(s.replace(root, Path(root).name)) for s in stale],
            "swaps": state.swaps,
            "last_refusal": state.last_refusal,
            "version": __version__,
        }

    @app.post("/v1/rebuild", responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}})
    async def rebuild(request: Request) -> dict:
        """Rebuild the index from the corpus and swap it in (needs the bearer token)."""
        _authorise(request, state.token)
        engine = engine_or_503()
        return await run_in_threadpool(_rebuild, state, engine)

    return app


def _authorise(request: Request, token: str | None) -> None:
    if not token:
        raise HTTPException(403, f"write endpoints are disabled; set {TOKEN_ENV} on the server to enable them")
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise HTTPException(
            401, "a valid bearer token is needed ('Authorization: Bearer TOKEN')", {"WWW-Authenticate": "Bearer"}
        )


def _rebuild(state: ServerState, engine: Engine) -> dict:
    """Build beside the index, swap it in, and load it (other workers' watchers follow)."""
    from faqrag.index.build import BuildBusy, build_index

    corpus = state.corpus_dir or Path(engine.stored.manifest["corpus"]["dir"])
    warnings: list[str] = []
    try:  # one build of the index at a time, across workers, the page and the CLI
        summary = build_index(corpus, state.index_dir, engine.embedder, warn=warnings.append, wait=False)
    except BuildBusy:
        raise HTTPException(409, "a rebuild is already running; wait for it to finish") from None
    swapped = state.reload_if_changed()
    if not swapped and state.last_refusal:
        raise IndexStateError(f"the new index was built but not loaded: {state.last_refusal}")
    return {
        "documents": summary.documents,
        "chunks": summary.chunks,
        "views": summary.views,
        "embedded": summary.embedded,
        "seconds": round(summary.seconds, 2),
        "warnings": [state.public(w) for w in warnings],
        "built_at": state.built_at(),
    }


# ---------------------------------------------------------- errors, limits


def _add_error_handlers(app: FastAPI) -> None:
    def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
        message = app.state.faqrag.public(message)  # no server paths in what clients read
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    @app.exception_handler(QuestionError)
    async def question_error(_request, err: QuestionError):
        return error(400, str(err))

    @app.exception_handler(IndexStateError)
    async def index_error(_request, err: IndexStateError):
        return error(503, str(err))

    @app.exception_handler(FaqragError)
    async def faqrag_error(_request, err: FaqragError):
        return error(500, str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        headers = dict(err.headers or {})
        if err.status_code == 503:
            headers.setdefault("Retry-After", "1")
        return error(err.status_code, _http_message(request, err), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and not (kind == "application/json" or kind.endswith("+json")):
            return error(415, "send the body as JSON with the header 'Content-Type: application/json'")
        return error(422, _validation_message(err.errors()))

    @app.exception_handler(Exception)
    async def unexpected(_request, err: Exception):
        log.exception("unexpected error")  # the traceback goes to the log, never to the client
        return error(500, "internal error; the server log has the details")


def _http_message(request: Request, err: HTTPException) -> str:
    """Starlette's own errors ("Not Found") say what, not what to do instead."""
    detail = str(err.detail)
    if err.status_code == 404 and detail == "Not Found":
        return f"no such endpoint {request.url.path[:200]}; the API is under /v1 (/v1/ask, /v1/health; see /docs)"
    if err.status_code == 405 and detail == "Method Not Allowed":
        allowed = err.headers.get("Allow") if err.headers else None
        return f"{request.method} is not allowed on {request.url.path[:200]}" + (f"; use {allowed}" if allowed else "")
    if err.status_code == 400 and detail == "There was an error parsing the body":
        return 'the request body cannot be read as UTF-8 JSON; send a JSON object such as {"question": "..."}'
    return detail


def _validation_message(errors: list[dict]) -> str:
    """One line saying what is wrong with the body and how to fix it."""
    if not errors:
        return "the request body is invalid"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return 'the request body is not valid JSON; send a JSON object such as {"question": "..."}'
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    if where == "body":
        what = "has no body" if first.get("type") == "missing" else "body is not a JSON object"
        return f'the request {what}; send a JSON object such as {{"question": "..."}}'
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first.get('msg', 'is invalid')}{more}; the bodies are described at /docs"


class FastAsk:
    """The hot path: ``POST {path}`` with a JSON body, answered without the framework's
    routing, body parsing and response layers, which cost more per question than
    answering it. ``ask(body)`` gives the answer's JSON, or None for anything but a
    good question to a ready server, which goes on to the app with its body
    replayed, so every error is the app's own; an error while answering is turned
    into a response by the app's exception handlers, as the app would. Sits inside
    the body limit and CORS."""

    def __init__(self, app, path: str, ask, limit: int):
        self.app = app
        self.path = path
        self.ask = ask
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if not (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path):
            return await self.app(scope, receive, send)
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind != b"application/json":
            return await self.app(scope, receive, send)
        read: list[dict] = []
        try:
            body, more = b"", True
            while more and len(body) <= self.limit:
                msg = await receive()
                read.append(msg)
                if msg["type"] != "http.request":
                    break
                body += msg.get("body", b"")
                more = msg.get("more_body", False)
            answer = None if more or len(body) > self.limit else await self.ask(body)
        except Exception as err:
            handler = _handler_for(scope["app"].exception_handlers, err)
            if handler is None:
                raise
            response = await handler(Request(scope), err)
            return await response(scope, receive, send)
        if answer is None:

            async def replay():
                return read.pop(0) if read else await receive()

            return await self.app(scope, replay, send)
        await JSONBytes(answer)(scope, receive, send)


def _handler_for(handlers: dict, err: Exception):
    """The exception handler the app would pick for ``err`` (the nearest class it has one for)."""
    for cls in type(err).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by the declared
    length at once, or while reading a body sent without one (chunked)."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"the request body is over {self.limit:,} bytes; send less (a question is at most a few KB)"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.limit
        except ValueError:
            too_big = False
        if too_big:
            response = JSONResponse({"error": message}, status_code=413, headers={"Connection": "close"})
            return await response(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, message)  # FastAPI passes it on to the JSON error handler
            return msg

        await self.app(scope, limited, send)


# ----------------------------------------------------------- for uvicorn


def app_from_env() -> FastAPI:
    """The app as ``faqrag serve`` configured it, for each uvicorn worker process."""
    config = json.loads(env.serve_config())
    _configure_logging()
    settings = Settings.from_file(Path(config["settings"])) if config.get("settings") else None
    model = config.get("model")
    serve = encoding_plan(ServeSettings.from_dict(config.get("serve", {})), config.get("workers", 1))
    threads = serve.model_threads

    def embedder(model_id: str):
        from faqrag.models.choose import default_embedder

        return default_embedder(model or model_id, from_index=not model, threads=threads)

    return create_app(
        Path(config["index"]),
        corpus_dir=Path(config["corpus"]) if config.get("corpus") else None,
        settings=settings,
        serve=serve,
        embedder_factory=embedder,
    )


def encoding_plan(serve: ServeSettings, workers: int) -> ServeSettings:
    """``serve`` with its automatic ``encoders`` and ``model_threads`` worked out for one of
    ``workers`` processes, from the worker's share of the cores: two model calls at
    once where it has two cores or more, each allowed the whole share. One call at a
    time capped throughput at what its calling thread could do (on short batches the
    second thread did only a third of the work); calls of one thread each made a lone
    question a third slower to embed."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    share = max(1, cores // max(1, workers))
    return replace(serve, encoders=serve.encoders or min(2, share), model_threads=serve.model_threads or share)


def serve_config(args) -> dict[str, Any]:
    """What ``faqrag serve``'s options become for ``app_from_env``."""
    serve = ServeSettings.from_dict(
        read_json_object(Path(args.serve_settings), "server settings file", "--serve-settings")
        if args.serve_settings
        else {}
    )
    if args.settings:
        Settings.from_file(Path(args.settings))  # checked here, once, not in each worker as it starts
    if args.cors_origin:
        serve = ServeSettings.from_dict({**asdict(serve), "cors_origins": tuple(args.cors_origin)})
    return {
        "index": str(Path(args.index).resolve()),
        "corpus": str(Path(args.corpus).resolve()) if args.corpus else None,
        "settings": str(Path(args.settings).resolve()) if args.settings else None,
        "model": args.model,
        "workers": args.workers,
        "serve": {**asdict(serve), "cors_origins": list(serve.cors_origins)},
    }


def _configure_logging() -> None:
    logger = logging.getLogger("faqrag")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("faqrag: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
