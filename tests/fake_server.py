"""A real uvicorn server over an index, with the fake embedder (for test_serve_process.py).

python tests/fake_server.py INDEX PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from conftest import FakeEmbedder

from faqrag.serve.app import create_app
from faqrag.serve.launch import uvicorn_options
from faqrag.serve.settings import ServeSettings

if __name__ == "__main__":
    index, port = Path(sys.argv[1]), int(sys.argv[2])
    embedder = FakeEmbedder()
    # Short connection bounds, so the tests of slow and idle clients run in seconds.
    serve = ServeSettings(watch_interval_s=0.1, body_timeout_s=1.0, keep_alive_s=1.0)
    app = create_app(index, embedder_factory=lambda _m: embedder, serve=serve, api_token="t0ken")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(serve))
