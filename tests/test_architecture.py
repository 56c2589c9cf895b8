"""The package's shape, held by reading its imports: stages import only what is
upstream of them, and no module imports itself round a circle.

Every import counts, a function-local one too: a deferred import hides a
circle from Python, not from a reader. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "src" / "faqrag"

# Bottom first. A module may import from its own layer and the layers below;
# folders of one layer (ingest and models) may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("faqrag", "errors", "limits", "validate", "text", "records", "settings", "env", "files"),
    ("ingest", "models"),
    ("index",),
    ("search",),
    ("answer",),
    ("engine",),
    ("evaluation",),
    ("learn",),
    ("serve",),
    ("cli", "page"),
]
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = ["faqrag", *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The faqrag modules ``name`` imports (a ``from pkg import mod`` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _layer(module: str) -> tuple[int, str]:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "faqrag"
    for n, names in enumerate(LAYERS):
        if key in names:
            return n, key
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py; add its folder to LAYERS")


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) - {"faqrag"} for m, p in mods.items()}


def test_imports_run_downward_only():
    upward = []
    for mod, deps in sorted(_graph().items()):
        n, key = _layer(mod)
        for dep in sorted(deps):
            m, other = _layer(dep)
            if m > n or (m == n and other != key and key != "faqrag" and n != 0):
                upward.append(f"{mod} -> {dep}")
    assert not upward, "imports against the flow (see LAYERS):\n" + "\n".join(upward)


def test_no_import_circles():
    graph = _graph()
    circles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                circles.append(" -> ".join(path[path.index(dep) :] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_every_module_is_short_enough_to_read_in_one_sitting():
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_checker_sees_a_deferred_import(tmp_path):
    # The rule must not be blind to what it exists to catch: an import inside a function.
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from faqrag.engine import Engine\n", encoding="utf-8")
    assert _imports("faqrag.ingest.mod", path, {"faqrag.engine", "faqrag.ingest.mod"}) == {"faqrag.engine"}


def test_the_architecture_doc_lists_every_module():
    doc = (PKG.parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        str(p.relative_to(PKG))
        for p in sorted(PKG.rglob("*.py"))
        if not (p.name == "__init__.py" and p.parent != PKG) and f"`{p.relative_to(PKG)}`" not in doc
    ]
    assert not missing, f"docs/architecture.md does not name: {missing}; add a line saying each one's job"


def test_every_long_function_says_why_it_is_long():
    """Over 60 lines, a function needs a comment (a line starting with #) saying why it is one piece."""
    long = []
    for path in sorted(PKG.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                body = lines[node.lineno - 1 : node.end_lineno]
                if not any(line.strip().startswith("#") for line in body):
                    long.append(f"{path.relative_to(PKG)}:{node.lineno} {node.name}")
    assert not long, "functions over 60 lines with no comment:\n" + "\n".join(long)
