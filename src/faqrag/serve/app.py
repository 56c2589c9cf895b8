"""The HTTP API: a FastAPI app over the same engine as the CLI and the page.

``create_app`` builds the app; its lifespan loads the index and the model once,
in the background (health says "not ready" and questions get 503 meanwhile),
and keeps the engine on ``app.state`` (``state.ServerState``). Concurrent
questions are embedded together on encoding threads and answered on another
(``batching.MicroBatcher``); a plain ``POST /v1/ask`` skips FastAPI's
per-request layers (``middleware.FastAsk``) but is answered by the same
``ask_one`` as the route. A watcher reloads the index when a rebuild swaps a new
one in; a request keeps the engine it started with.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from faqrag import __version__, env
from faqrag.engine import Engine, check_question
from faqrag.errors import IndexStateError, QuestionError
from faqrag.learn import qlog
from faqrag.learn.log_writer import Feedback
from faqrag.limits import loads
from faqrag.serve import docs, widget
from faqrag.serve.errors import add_error_handlers
from faqrag.serve.middleware import BodyLimit, FastAsk
from faqrag.serve.schema import (
    AskRequest,
    AskResponse,
    BatchRequest,
    BatchResponse,
    ErrorOut,
    FeedbackAccepted,
    FeedbackRequest,
    JSONBytes,
    answer_json,
)
from faqrag.serve.settings import ServeSettings, check_token
from faqrag.serve.state import ServerState, public_manifest
from faqrag.settings import Settings


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
    makes the question embedder (default: ``models.choose.default_embedder``);
    ``api_token`` (default: ``$FAQRAG_API_TOKEN``) enables the write endpoints."""
    from faqrag.models.choose import default_embedder

    serve = serve or ServeSettings()
    token = check_token(api_token if api_token is not None else env.api_token(), env.API_TOKEN)
    state = ServerState(Path(index_dir), corpus_dir, settings or Settings(), serve, token)
    state.log_db = qlog.log_path(state.index_dir, state.settings.log_questions)
    state.embedder_factory = embedder_factory or (lambda model_id: default_embedder(model_id, from_index=True))

    app = FastAPI(
        title="faqrag",
        version=__version__,
        description="Answers questions from a help guide with a short answer and its source.",
        lifespan=_lifespan(state),
        # FastAPI's own /docs and /redoc load their scripts from a CDN: blank pages
        # offline. fastapi-swagger serves Swagger UI from the package instead.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    from fastapi_swagger import patch_fastapi

    patch_fastapi(app, docs_url="/docs", redirect_from_root_to_docs=True)
    app.state.faqrag = state
    ask_one = _answerer(state)
    _add_layers(app, state, ask_one)
    add_error_handlers(app)
    _add_routes(app, state, ask_one)
    _add_feedback(app, state)
    widget.add_routes(app)
    docs.install(app, state)
    return app


def _lifespan(state: ServerState):
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

    return lifespan


def engine_or_503(state: ServerState) -> Engine:
    engine = state.engine
    if engine is None:
        raise HTTPException(503, state.error or "the index is still loading; retry in a moment")
    return engine


def _answerer(state: ServerState):
    """``ask_one(engine, questions, k)``: each question's answer JSON, made in the batcher's threads."""
    timeout = state.serve.request_timeout_s

    async def answer(engine: Engine, questions: list[str], k: int) -> list[bytes]:
        def prepare(q: str):
            rw = engine.rewrite(q)
            return rw.text, rw

        def then(q: str):
            def done(vec, ms, rw):
                resp = engine.answer_vector(q, rw, vec, k, ms)
                if state.log_db is not None:  # what POST /v1/feedback names this answer by
                    resp = replace(resp, ref=secrets.token_urlsafe(12))
                return q, resp, answer_json(resp)  # serialised here, off the event loop

            return done

        futures = [state.batcher.submit_async(q, then(q), prepare) for q in questions]
        try:
            if len(futures) == 1:
                done = [await asyncio.wait_for(futures[0], timeout)]
            else:
                done = await asyncio.wait_for(asyncio.gather(*futures), timeout)
        except asyncio.TimeoutError:
            for f in futures:
                f.cancel()  # those not yet embedding are dropped from the queue
            raise HTTPException(504, f"answering took longer than {timeout:g} s; try again") from None
        return [body for _, _, body in done]

    return answer


async def _ask(state: ServerState, answer, req: AskRequest) -> bytes:
    """POST /v1/ask, for the route and the fast path alike."""
    engine = engine_or_503(state)  # this request keeps this engine even if a new index is swapped in
    q = check_question(req.question, state.settings)
    return (await answer(engine, [q], req.k))[0]


def _add_layers(app: FastAPI, state: ServerState, answer) -> None:
    serve = state.serve

    async def ask_fast(body: bytes) -> bytes | None:
        """POST /v1/ask's answer for ``FastAsk``, or None to send the request the long way
        (whatever is not a valid question to a ready server: the long way says why)."""
        try:
            req = AskRequest.model_validate(loads(body.decode("utf-8")))
        except Exception:  # not JSON, too deep, not the shape: the long way's messages
            return None
        if state.engine is None:
            return None
        try:
            return await _ask(state, answer, req)
        except QuestionError:
            return None

    app.add_middleware(FastAsk, path="/v1/ask", ask=ask_fast, limit=serve.max_body_bytes)
    app.add_middleware(BodyLimit, limit=serve.max_body_bytes, seconds=serve.body_timeout_s)
    if serve.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(serve.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )


def _add_routes(app: FastAPI, state: ServerState, answer) -> None:
    serve = state.serve
    errors = {code: {"model": ErrorOut} for code in (400, 408, 413, 415, 422, 503, 504)}

    @app.post("/v1/ask", response_model=AskResponse, responses=errors, summary="Answer one question")
    async def ask(req: AskRequest) -> Any:
        # Returned as built: the engine's answer is the documented shape already (a test holds
        # it to AskResponse), and validating it again costs more than answering from BM25.
        return JSONBytes(await _ask(state, answer, req))

    @app.post("/v1/ask/batch", response_model=BatchResponse, responses=errors, summary="Answer several questions")
    async def ask_batch(req: BatchRequest) -> Any:
        if len(req.questions) > serve.max_batch:
            raise HTTPException(
                422, f"the batch holds {len(req.questions)} questions; the limit is {serve.max_batch}, split it"
            )
        engine = engine_or_503(state)
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
        engine = engine_or_503(state)
        from faqrag.index.build import stale_files

        manifest = engine.stored.manifest
        corpus = state.corpus_dir
        stale = await run_in_threadpool(stale_files, manifest, corpus)
        root = str(corpus or manifest["corpus"]["dir"])
        return {
            "manifest": public_manifest(manifest),
            "stale": bool(stale),
            "stale_files": [state.public(s.replace(root, Path(root).name)) for s in stale],
            "swaps": state.swaps,
            "last_refusal": state.last_refusal,
            "version": __version__,
        }

    bearer = HTTPBearer(auto_error=False, scheme_name=docs.BEARER)

    @app.post("/v1/rebuild", responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}})
    async def rebuild(request: Request, _token=Security(bearer)) -> dict:  # noqa: B008  # FastAPI's way to declare it
        """Rebuild the index from the corpus and swap it in (needs the bearer token)."""
        authorise(request, state.token)
        engine = engine_or_503(state)
        return await run_in_threadpool(_rebuild, state, engine)


def _add_feedback(app: FastAPI, state: ServerState) -> None:
    @app.post(
        "/v1/feedback",
        status_code=202,
        response_model=FeedbackAccepted,
        responses={code: {"model": ErrorOut} for code in (409, 413, 415, 422, 503)},
        summary="Say whether an answer helped",
    )
    async def feedback(req: FeedbackRequest) -> Any:
        """Whether the answer sent with ``ref`` helped. It is logged after that answer;
        after a "No" the reply carries the way to a person, logged as a hand-off."""
        if state.log_db is None:
            raise HTTPException(409, "feedback is not recorded: question logging is off on this server")
        # The answer it names is in the log already: the feedback needs no index, only the
        # hand-off does (none while loading: the widget shows the one its answer carried).
        engine = state.engine
        handoff = None if req.helpful or engine is None else engine.handoff()
        state.log_feedback(Feedback(req.ref, req.helpful, handoff.target if handoff else None))
        return FeedbackAccepted(True, handoff)


def authorise(request: Request, token: str | None) -> None:
    """A write endpoint's check: the bearer token, compared in constant time."""
    if not token:
        raise HTTPException(403, f"write endpoints are disabled; set {env.API_TOKEN} on the server to enable them")
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
