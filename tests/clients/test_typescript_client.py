"""The TypeScript client in clients/typescript: generated from this app's spec, strict, and working live.

Frontends code against ``src/schema.d.ts``, which openapi-typescript writes from ``/openapi.json``. These
tests keep it honest: the committed file must be what the current app generates (a route or schema change
without ``python -m scripts.typescript_client`` fails here), it compiles under ``tsc --strict``, and a
node test (``test/live.test.ts``) calls a live server through it with no casts, no ``any`` and no suppressed
error, so a schema that stops describing what the server sends stops the build rather than a frontend.

The npm packages come from the registry, pinned by ``package-lock.json`` (``npm ci``, once per session).
Without node or npm the tests are skipped, except on CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.typescript_client import PACKAGE, ROOT, SCHEMA, generate
from tests.browser.conftest import uvicorn

TYPESCRIPT_SOURCES = ("src/index.ts", "src/schema.d.ts", "test/live.test.ts")


def _run(args: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess[str]:
    # the callers assert the exit code themselves, with the tool's output in the message
    return subprocess.run(args, cwd=PACKAGE, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


@pytest.fixture(scope="session")
def package() -> Path:
    """clients/typescript with its pinned packages installed (``npm ci``)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        version = _run(["node", "--version"], timeout=60).stdout.strip()  # "v20.20.2"
        if int(version.lstrip("v").split(".")[0]) < 20:
            missing = [f"Node.js 20+ (this is {version})"]
    if missing:
        message = f"{' and '.join(missing)} missing: the TypeScript client needs Node.js 20+ and npm"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    installed = _run(["npm", "ci", "--no-audit", "--no-fund"], timeout=600)
    assert installed.returncode == 0, f"npm ci failed in {PACKAGE}:\n{installed.stdout}\n{installed.stderr}"
    return PACKAGE


def _bin(name: str) -> str:
    return str(PACKAGE / "node_modules" / ".bin" / name)


def test_generated_types_match_the_app_spec(package: Path, tmp_path: Path) -> None:
    fresh = generate(tmp_path / "schema.d.ts").read_text(encoding="utf-8")
    committed = SCHEMA.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(committed.splitlines(keepends=True), fresh.splitlines(keepends=True),
                                        "committed src/schema.d.ts", "generated from the app", n=1))
    assert fresh == committed, (
        "clients/typescript/src/schema.d.ts is not what the app's OpenAPI generates; regenerate it with "
        "`.venv/bin/python -m scripts.typescript_client` and commit it:\n" + diff[:6000])


def test_sources_compile_under_tsc_strict(package: Path) -> None:
    checked = _run([_bin("tsc"), "--strict", "--noEmit", "-p", "tsconfig.json"], timeout=600)
    assert checked.returncode == 0, f"tsc --strict --noEmit failed:\n{checked.stdout}{checked.stderr}"
    config = json.loads((package / "tsconfig.json").read_text(encoding="utf-8"))
    assert config["compilerOptions"]["strict"] is True and config["include"] == ["src", "test"]


def _casts(*files: Path | str) -> list[str]:
    found = _run(["node", "test/no-casts.mjs", *map(str, files)], timeout=120)
    assert found.returncode == 0, found.stderr
    return json.loads(found.stdout)


def test_the_cast_finder_finds_each_kind_of_cast(package: Path, tmp_path: Path) -> None:
    sample = tmp_path / "casts.ts"
    sample.write_text('import { a as b } from "c";\nconst d = "x as y, any";\n'  # neither is a cast
                      "const e = f as string;\nconst g = <number>h;\nconst i = j!.k;\nlet l: any;\n"
                      "// @ts-ignore\n// @ts-expect-error\n", encoding="utf-8")
    kinds = [finding.split(": ")[1] for finding in _casts(sample)]
    assert kinds == ["as-cast", "angle-bracket cast", "non-null assertion", "any",
                     "suppressed error", "suppressed error"]


def test_the_client_and_its_test_use_no_cast(package: Path) -> None:
    sources = sorted(p.relative_to(package).as_posix() for p in [*package.glob("src/*.ts"), *package.glob("test/*.ts")])
    assert sources == sorted(TYPESCRIPT_SOURCES)
    assert _casts(*TYPESCRIPT_SOURCES) == []


def _readme_example() -> str:
    """The example of docs/api.md's TypeScript client section (it was the README's)."""
    section = (ROOT / "docs" / "api.md").read_text(encoding="utf-8").split("## TypeScript client\n", 1)[1]
    return section.split("```ts\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_compiles_strictly_with_no_cast(package: Path, tmp_path: Path) -> None:
    """The docs' five lines, as a project that installed the package would compile them."""
    (tmp_path / "example.ts").write_text(_readme_example(), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    (tmp_path / "node_modules" / "@storygraph").mkdir(parents=True)
    (tmp_path / "node_modules" / "@storygraph" / "client").symlink_to(package, target_is_directory=True)
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "extends": str(package / "tsconfig.json"),
        "compilerOptions": {"types": [], "rootDir": None, "outDir": None, "noEmit": True},
        "include": ["example.ts"]}), encoding="utf-8")
    checked = _run([_bin("tsc"), "--strict", "-p", str(tmp_path / "tsconfig.json")], timeout=600)
    assert checked.returncode == 0, f"the docs' TypeScript example does not compile:\n{checked.stdout}"
    assert _casts(tmp_path / "example.ts") == []


TOKEN = f"client-test-{secrets.token_hex(16)}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn over the seeded SQLite story, accepting ``TOKEN`` for writes."""
    with uvicorn(tmp_path_factory.mktemp("typescript-client-db"), STORYGRAPH_API_TOKENS=f"client:{TOKEN}") as srv:
        yield srv.url


def test_live_node_test_through_the_client(package: Path, server: str, tmp_path: Path) -> None:
    """test/live.test.ts against uvicorn, compiled to a temporary folder that sees the package's modules."""
    (tmp_path / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    (tmp_path / "node_modules").symlink_to(package / "node_modules", target_is_directory=True)
    built = _run([_bin("tsc"), "-p", "tsconfig.json", "--noCheck", "--outDir", str(tmp_path)], timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    ran = _run(["node", "--test", "--test-reporter=spec", str(tmp_path / "test" / "live.test.js")], timeout=300,
               env=os.environ | {"STORYGRAPH_URL": server, "STORYGRAPH_TOKEN": TOKEN, "NO_COLOR": "1"})
    assert ran.returncode == 0, f"the node test failed:\n{ran.stdout}\n{ran.stderr}"
    counts = dict(re.findall(r"^\S+ (tests|pass|fail) (\d+)$", ran.stdout, re.MULTILINE))
    assert counts == {"tests": "9", "pass": "9", "fail": "0"}, ran.stdout
