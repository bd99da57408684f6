"""The built wheel, installed in a fresh virtualenv, serves the seed story.

A checkout finds its seeds in ``seeds/``; an installed package has no checkout, so the wheel carries them as
``app/seeds`` (pyproject's ``force-include``). The fresh venv borrows this venv's third-party packages through
a path entry (not this checkout: the editable install's hook is a ``.pth`` file, and a path entry does not run
those), so only the wheel's own files decide what is found.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.workers.servers import Server, environment, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the built wheel installed in it; returns its ``bin``."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=600, check=False)  # asserted below
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (work / "dist").glob("storygraph-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", purelib],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                              "--no-deps", str(wheel)], capture_output=True, text=True, timeout=600,
                             check=False)  # asserted below, with pip's own words
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


def test_the_wheel_carries_the_seed_byte_for_byte(installed: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import app.settings as s; print(s.REPO_SEEDS)"],
                           capture_output=True, text=True, check=True, cwd=installed).stdout.strip()
    seeds = Path(where)
    assert installed.parent in seeds.parents, f"the installed package reads seeds outside itself: {seeds}"
    packaged = sorted(p.relative_to(seeds) for p in seeds.rglob("*") if p.is_file())
    checkout = sorted(p.relative_to(ROOT / "seeds") for p in (ROOT / "seeds").rglob("*") if p.is_file())
    assert packaged == checkout
    assert all((seeds / p).read_bytes() == (ROOT / "seeds" / p).read_bytes() for p in packaged)


def test_an_installed_package_seeds_itself_and_serves(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = environment(f"sqlite:///{tmp_path / 'installed.db'}", Path("/nonexistent"))
    del env["STORYGRAPH_SEEDS_DIR"]  # the default: what the package carries
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(installed / "storygraph"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = Server("installed", f"http://127.0.0.1:{port}", proc, log)
    try:
        server.wait_ready()
        found = server.get("/v1/entities?q=Daskal")
        assert found.status == 200, found.body
        assert [hit["id"] for hit in found.json()["items"]][:1] == ["jen-daskal"]
        articles = server.get("/v1/articles").json()
        assert articles["total"] == len([p for p in (ROOT / "seeds").iterdir() if p.is_dir()])
    finally:
        server.stop()
