"""No router imports another router: what two routers share lives in app/deps.py (or a small app/ module
such as app/exports.py or app/negotiation.py), so a router can be read, moved or removed on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROUTERS = Path(__file__).resolve().parents[2] / "app" / "routers"
NAMES = {p.stem for p in ROUTERS.glob("*.py") if p.stem != "__init__"}


def _router_imports(path: Path) -> list[str]:
    """The router modules ``path`` imports, however it spells the import."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:  # from .x import y / from . import x
                targets = [module] if module else [a.name for a in node.names]
            elif node.level == 2 and module.startswith("routers"):  # from ..routers.x import y
                rest = module.removeprefix("routers").lstrip(".")
                targets = [rest.split(".")[0]] if rest else [a.name for a in node.names]
            elif node.level == 0 and module.startswith("app.routers"):
                rest = module.removeprefix("app.routers").lstrip(".")
                targets = [rest.split(".")[0]] if rest else [a.name for a in node.names]
            else:
                targets = []
            found += [t.split(".")[0] for t in targets if t.split(".")[0] in NAMES]
        elif isinstance(node, ast.Import):
            found += [a.name.split(".")[2] for a in node.names
                      if a.name.startswith("app.routers.") and a.name.split(".")[2] in NAMES]
    return found


def test_the_check_sees_every_spelling_of_a_router_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from .events import FromParam\nfrom . import merges\nfrom ..routers.sparql import X\n"
                      "from app.routers.health import router\nimport app.routers.paths\nfrom ..deps import IndexDep\n")
    assert _router_imports(module) == ["events", "merges", "sparql", "health", "paths"]


@pytest.mark.parametrize("name", sorted(NAMES))
def test_no_router_imports_another(name: str) -> None:
    assert _router_imports(ROUTERS / f"{name}.py") == []


# --- the domain's messages ---------------------------------------------------------------------------------

GRAPH = ROUTERS.parents[1] / "graph"
HTTP_WORDS = ("/v1/", "STORYGRAPH_")


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _messages(path: Path) -> list[str]:
    """The strings a module's errors are made of: inside a ``raise``, a ``fault(...)``/``Fault(...)`` call,
    and (in graph/errors.py) every string that is not a docstring."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    roots: list[ast.AST] = [tree] if path.name == "errors.py" else [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
            node.func, "id", "")) in ("fault", "Fault"))]
    return [node.value for root in roots for node in ast.walk(root)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]


def test_the_message_check_sees_a_raise_and_a_fault(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('def f():\n    """GET /v1/x is documented here."""\n    self.fault(1, "p", "see /v1/p")\n'
                      '    raise ValueError(f"set STORYGRAPH_X to {1}")\n')
    assert sorted(_messages(module)) == ["p", "see /v1/p", "set STORYGRAPH_X to "]


# Every module of the domain, in its subpackages too; a released migration is frozen, and not the domain's code.
DOMAIN = sorted(p.relative_to(GRAPH).as_posix() for p in GRAPH.rglob("*.py") if "migrations" not in p.parts)


def test_the_domain_list_walks_the_subpackages() -> None:
    assert "errors.py" in DOMAIN and "indexing/index.py" in DOMAIN and len(DOMAIN) > 40


@pytest.mark.parametrize("name", DOMAIN)
def test_domain_messages_name_no_endpoint_or_environment_variable(name: str) -> None:
    """graph/ serves the CLI and the workers too: an endpoint or a variable is the HTTP layer's to name."""
    assert [m for m in _messages(GRAPH / name) if any(w in m for w in HTTP_WORDS)] == []


# --- the domain never imports the HTTP layer ---------------------------------------------------------------

HTTP_PACKAGES = {"fastapi", "starlette", "uvicorn", "app"}


def _top_imports(path: Path) -> set[str]:
    """The top-level packages a module imports, absolute imports only (a relative one stays in graph/)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_import_check_sees_both_spellings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import fastapi.responses\nfrom starlette.requests import Request\nfrom .x import y\n"
                      "def f():\n    from app import deps\n")
    assert _top_imports(module) & HTTP_PACKAGES == {"fastapi", "starlette", "app"}


@pytest.mark.parametrize("name", DOMAIN)
def test_the_domain_never_imports_the_http_layer(name: str) -> None:
    """graph/ is what the CLI, the workers and the tests use without a web server: FastAPI stays in app/."""
    assert _top_imports(GRAPH / name) & HTTP_PACKAGES == set()


# --- one typed runtime -------------------------------------------------------------------------------------

APP = ROUTERS.parent


def _is_app(node: ast.expr) -> bool:
    """``app``, ``x.app`` or ``scope["app"]``: an application, not a request."""
    return ((isinstance(node, ast.Name) and node.id in ("app", "APP")) or (isinstance(node, ast.Attribute)
            and node.attr == "app") or (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                                        and node.slice.value == "app"))


def _state_reads(path: Path) -> list[str]:
    """Every use of an application's ``state`` but ``app.state.runtime`` (``request.state``, one
    request's own, is not the application's)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    allowed = {id(node.value) for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr == "runtime"}
    return [f"{path.name}:{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "state" and _is_app(node.value)
            and id(node) not in allowed]


@pytest.mark.parametrize("path", sorted(p for p in APP.rglob("*.py") if p.name != "cli.py"), ids=lambda p: p.name)
def test_app_state_holds_only_the_runtime(path: Path) -> None:
    """What the process runs on is one typed app.runtime.Runtime, read through app/deps.py or runtime.of."""
    assert _state_reads(path) == []


# --- HTTP errors live in app/ ------------------------------------------------------------------------------

HTTP_ERRORS = ("NotAcceptable", "UnsupportedMediaType", "Unauthorized", "WritesDisabled", "BodyTooLarge",
               "EntityMoved", "MalformedBody", "ProtocolViolation")


def test_the_errors_only_http_raises_are_app_s() -> None:
    """A header, a credential, a body or a redirect is the HTTP layer's business: graph/errors.py declares none."""
    import app.errors
    import graph.errors

    assert [n for n in HTTP_ERRORS if hasattr(graph.errors, n)] == []
    assert [n for n in HTTP_ERRORS if not hasattr(app.errors, n)] == []
