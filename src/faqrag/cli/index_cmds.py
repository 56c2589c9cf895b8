"""``faqrag build`` and ``faqrag info``: the index rebuild, and what an index is."""

from __future__ import annotations

import sys

from faqrag.cli.common import build_command, warn
from faqrag.errors import FaqragError
from faqrag.limits import dumps


def cmd_build(args) -> int:
    from faqrag.index.build import build_index, needs_build
    from faqrag.limits import EMBED_SECONDS_LIMIT
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    if args.if_stale:
        reason = needs_build(args.index, args.corpus, args.model)
        if reason is None:
            print(f"index at {args.index} is up to date")
            return 0
        print(f"rebuilding {args.index}: {reason}", file=sys.stderr)
    embedder = SentenceTransformerEmbedder(args.model)
    summary = build_index(
        args.corpus,
        args.index,
        embedder,
        log=lambda m: print(m, file=sys.stderr),
        warn=warn,
        progress=sys.stderr.isatty(),
        embed_seconds_limit=None if args.yes else EMBED_SECONDS_LIMIT,
    )
    print(summary.line())
    return 0


def cmd_info(args) -> int:
    from faqrag.index.build import stale_files
    from faqrag.index.manifest import read_manifest
    from faqrag.index.store import load_index

    manifest = read_manifest(args.index)
    try:
        load_index(args.index)  # the manifest alone can look fine over a truncated or missing vectors.faiss
        problem = None
    except FaqragError as err:
        problem = str(err)
    stale = stale_files(manifest, args.corpus)
    if args.json:
        print(dumps({"manifest": manifest, "stale_files": stale, "problem": problem}, indent=2))
        return 1 if problem else 0
    c = manifest["counts"]
    print(f"index:     {args.index}")
    print(f"built:     {manifest['built_at']} by faqrag {manifest['package_version']}")
    print(f"model:     {manifest['model']['id']} (dimension {manifest['model']['dimension']})")
    print(f"corpus:    {manifest['corpus']['dir']} ({c['documents']} documents)")
    print(f"chunks:    {c['chunks']} ({c['views']} vectors)")
    if problem:
        print(f"status:    CORRUPT: {problem}")
        return 1
    rebuild = build_command(args.index, args.corpus or manifest["corpus"]["dir"])
    print(f"status:    {'STALE: ' + ', '.join(stale) + f' changed; run {rebuild}' if stale else 'up to date'}")
    return 0
