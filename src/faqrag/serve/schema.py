"""The API's bodies. Requests are pydantic models (strict, no unknown keys); the
answer is the engine's own ``answer.records.Response``, which FastAPI documents
straight from its dataclasses, so the schema at /docs, ``ask --json`` and the
client are one definition. Answers are sent as already-serialised bytes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
from fastapi.responses import Response as HTTPResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from faqrag.answer.records import Handoff, Response
from faqrag.limits import MAX_K

AskResponse = Response  # the answer JSON, as ``faqrag ask --json`` prints it


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: StrictStr
    k: StrictInt = Field(5, ge=1, le=MAX_K)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[StrictStr] = Field(min_length=1)
    k: StrictInt = Field(5, ge=1, le=MAX_K)


class FeedbackRequest(BaseModel):
    """Whether an answer helped, naming it by the ``ref`` the server sent with it."""

    model_config = ConfigDict(extra="forbid")
    ref: StrictStr = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    helpful: StrictBool


@dataclass(frozen=True)
class BatchResponse:
    answers: list[Response]


@dataclass(frozen=True)
class FeedbackAccepted:
    recorded: bool  # queued for the question log, after the answer it is about
    handoff: Handoff | None  # after a "No": the way to a person, to show now


# Each body's fields, named in a 422 for a field the body does not take.
BODY_FIELDS = {
    "/v1/ask": tuple(AskRequest.model_fields),
    "/v1/ask/batch": tuple(BatchRequest.model_fields),
    "/v1/feedback": tuple(FeedbackRequest.model_fields),
}


class ErrorOut(BaseModel):
    error: str


class JSONBytes(HTTPResponse):
    """A JSON body serialised already (by ``answer_json``)."""

    media_type = "application/json"


def answer_json(resp: Response) -> bytes:
    """An engine ``Response`` as the bytes of its ``to_dict()`` JSON, straight from the
    dataclasses (orjson: ~10x faster than ``asdict`` then ``json.dumps``, which cost
    about a tenth of a question's time at load)."""
    return orjson.dumps(resp, default=_plain)


def _plain(value):
    """numpy numbers, which orjson leaves to this hook, as Python's."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
