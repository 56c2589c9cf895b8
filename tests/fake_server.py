"""A real uvicorn server over an index, with the fake embedder (for test_serve_process.py).

python tests/fake_server.py INDEX PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from conftest import FakeEmbedder

from faqrag.serve.app import ServeSettings, create_app

if __name__ == "__main__":
    index, port = Path(sys.argv[1]), int(sys.argv[2])
    embedder = FakeEmbedder()
    app = create_app(
        index, embedder_factory=lambda _m: embedder, serve=ServeSettings(watch_interval_s=0.1), api_token="t0ken"
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
