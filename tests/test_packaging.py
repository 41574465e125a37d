"""Dutch in every install path: a wheel in a fresh venv, a source checkout without compiled
catalogues, a checkout whose compiled catalogue is older than its .po (issue 16).

The wheel is built from a copy of the working tree as a clean clone has it (no `.mo`, which
git ignores), installed without dependencies into a new venv that borrows this environment's
installed packages, and asked for pages and strings in Dutch by a separate Python process.
Without the `wheel` package or setuptools >= 70.1 here, pip builds in isolation and fetches
setuptools from the package index, as `make setup` does.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from esof import i18n_catalogues

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "esof"
HOME_SENTENCE = "ESOF is de grootste interdisciplinaire wetenschapsconferentie van Europa."
STALE = "VEROUDERDE VERTALING"
TOP_LEVEL = ("pyproject.toml", "README.md", "setup.py", "MANIFEST.in")

# Run by the Python under test, from a folder outside the repository: which esof it imported,
# the home page for a Dutch browser, and one string of every catalogue looked up in Dutch.
PROBE = r"""
import json, sys
import esof
from esof import create_app
from flask_babel import get_translations

samples = json.loads(sys.argv[1])
app = create_app({
    "TESTING": True, "ESOF_ENV": "testing", "SECRET_KEY": "packaging-test",
    "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://",
    "REDIS_URL": None, "MAIL_SERVER": None, "MAIL_SEND_INLINE": False,
    "ESOF_BASE_URL": "http://esof.test",
})
with app.app_context():  # the pages read the conference settings row
    from esof.extensions import db
    db.create_all()
html = app.test_client().get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
with app.test_request_context("/", headers={"Accept-Language": "nl"}):
    translations = get_translations()
    found = {msgid: translations.gettext(msgid) for msgid in samples}
print(json.dumps({
    "esof": esof.__file__, "html": html, "found": found,
    "directories": app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"),
}))
"""


def catalogue_files(package: Path = PACKAGE) -> list[Path]:
    return sorted(package.glob("**/translations/*/LC_MESSAGES/*.po"))


def dutch_samples(package: Path) -> dict[str, str]:
    """One translated string of every catalogue (core and each area), found in no other one.
    Read from the copy under test, so an edit of the working tree meanwhile does not matter."""
    catalogues = []
    for path in catalogue_files(package):
        with path.open("rb") as handle:
            catalogues.append((path, read_po(handle)))
    counts: dict[str, int] = {}
    for _path, catalog in catalogues:
        for message in catalog:
            if isinstance(message.id, str) and message.id:
                counts[message.id] = counts.get(message.id, 0) + 1
    samples: dict[str, str] = {}
    for path, catalog in catalogues:
        translated = [
            m for m in catalog
            if isinstance(m.id, str) and m.id and not m.fuzzy and isinstance(m.string, str) and m.string
        ]
        if not translated:  # a new area's catalogue without Dutch yet: test_i18n reports that
            continue
        chosen = next((m for m in translated if counts[str(m.id)] == 1 and not m.context and m.string != m.id), None)
        assert chosen is not None, f"no Dutch string of {path} alone"
        samples[str(chosen.id)] = str(chosen.string)
    return samples


def copy_source(target: Path) -> Path:
    """The working tree's package as a clean clone has it: sources and .po, no .mo."""
    target.mkdir(parents=True)
    shutil.copytree(PACKAGE, target / "esof", ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc"))
    for name in TOP_LEVEL:
        if (REPO / name).exists():
            shutil.copy2(REPO / name, target / name)
    return target


def plant_stale_core_catalogue(package: Path) -> Path:
    """A compiled core catalogue from before the .po changed: its home sentence says STALE."""
    po = package / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog: Catalog = read_po(handle)
    for message in catalog:
        if isinstance(message.string, str) and message.string.startswith(HOME_SENTENCE):
            message.string = STALE
    mo = po.with_suffix(".mo")
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    older = po.stat().st_mtime - 3600
    os.utime(mo, (older, older))
    return mo


def can_build_without_isolation() -> bool:
    """setuptools builds wheels itself from 70.1; before that it needs the `wheel` package."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    numbers = re.match(r"(\d+)\.(\d+)", version)
    if numbers and (int(numbers[1]), int(numbers[2])) >= (70, 1):
        return True
    try:
        importlib.metadata.version("wheel")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def build_wheel(source: Path, out: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)]
    if can_build_without_isolation():
        command.insert(4, "--no-build-isolation")
    # Otherwise pip fetches the build backend named in pyproject.toml, as `make setup` did.
    subprocess.run(command, check=True, cwd=source, timeout=120)
    (wheel,) = out.glob("esof-*.whl")
    return wheel


def fresh_venv(path: Path) -> Path:
    """A new venv with no esof, which sees this environment's installed dependencies."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=60)
    python = path / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout.strip()
    # Plain paths in a .pth are appended to sys.path after the venv's own site-packages, and
    # the .pth files found there are not run: this environment's editable esof stays out.
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(site_packages, "borrowed_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    return python


def install(python: Path, *what: str | Path) -> None:
    """This environment's pip installs esof alone into the venv, no dependency downloaded
    (an editable install builds like `build_wheel`)."""
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
    if "-e" not in what:
        command.append("--no-index")
    elif can_build_without_isolation():
        command.append("--no-build-isolation")
    subprocess.run([*command, *map(str, what)], check=True, timeout=120)


def probe(python: Path, cwd: Path, samples: dict[str, str], pythonpath: Path | None = None) -> dict:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "PYTHONNOUSERSITE": "1"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run(
        [str(python), "-c", PROBE, json.dumps(list(samples))],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_dutch(answer: dict, samples: dict[str, str]) -> None:
    assert '<html lang="nl">' in answer["html"]
    assert HOME_SENTENCE in answer["html"]
    assert STALE not in answer["html"]
    assert answer["found"] == samples


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_speaks_dutch(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "clone")
    plant_stale_core_catalogue(source / "esof")  # a developer's tree after a pull, not recompiled
    wheel = build_wheel(source, tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    expected_po = {str(p.relative_to(source)) for p in catalogue_files(source / "esof")}
    assert expected_po <= set(names)
    assert [name for name in names if name.endswith(".mo")] == []  # the .po is the one source

    python = fresh_venv(tmp_path / "venv")
    install(python, wheel)
    samples = dutch_samples(source / "esof")
    answer = probe(python, tmp_path, samples)

    assert Path(answer["esof"]).is_relative_to(tmp_path / "venv")
    assert_dutch(answer, samples)


@pytest.mark.slow
def test_source_checkout_without_compiled_catalogues_speaks_dutch(tmp_path: Path) -> None:
    """`pip install -e .` of a clean clone into a fresh venv: the package is the checkout, no .mo."""
    source = copy_source(tmp_path / "checkout")
    python = fresh_venv(tmp_path / "venv")
    install(python, "-e", source)
    samples = dutch_samples(source / "esof")
    answer = probe(python, tmp_path, samples)

    assert Path(answer["esof"]).is_relative_to(source)
    assert_dutch(answer, samples)
    assert list((source / "esof").rglob("*.mo")) == []  # nothing written into the package


@pytest.mark.slow
def test_stale_compiled_catalogue_does_not_win(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "checkout")
    stale = plant_stale_core_catalogue(source / "esof")
    samples = dutch_samples(source / "esof")
    answer = probe(Path(sys.executable), tmp_path, samples, pythonpath=source)

    assert Path(answer["esof"]).is_relative_to(source)
    assert_dutch(answer, samples)
    assert str(stale.parents[2]) not in answer["directories"]


def catalogue_folder(root: Path, name: str) -> Path:
    """A copy of a real catalogue folder (core), without its .mo."""
    folder = root / name / "translations"
    shutil.copytree(PACKAGE / "translations", folder, ignore=shutil.ignore_patterns("*.mo"))
    return folder


def test_a_current_compiled_catalogue_is_used_where_it_is(tmp_path: Path) -> None:
    folder = catalogue_folder(tmp_path, "core")
    po = folder / "nl" / "LC_MESSAGES" / "messages.po"
    i18n_catalogues.write_compiled(po, po.with_suffix(".mo"))

    assert i18n_catalogues.current_directories([folder], tmp_path / "cache") == [folder]
    assert not (tmp_path / "cache").exists()


def test_a_missing_or_stale_compiled_catalogue_is_compiled_into_the_cache_once(tmp_path: Path) -> None:
    folder = catalogue_folder(tmp_path, "core")
    cache = tmp_path / "cache"
    (missing,) = i18n_catalogues.current_directories([folder], cache)
    compiled = missing / "nl" / "LC_MESSAGES" / "messages.mo"
    assert missing.parent == cache and compiled.exists()
    assert list(folder.rglob("*.mo")) == []  # the package is never written to
    first_write = compiled.stat().st_mtime_ns

    assert i18n_catalogues.current_directories([folder], cache) == [missing]  # the next start reuses it
    assert compiled.stat().st_mtime_ns == first_write

    stale = plant_stale_core_catalogue(folder.parent)
    po = stale.with_suffix(".po")
    po.write_bytes(po.read_bytes().replace(b"Europa.", b"Europa!", 1))  # the .po changed since
    (changed,) = i18n_catalogues.current_directories([folder], cache)
    assert changed != missing and changed.parent == cache
    with (changed / "nl" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        text = handle.read()
    assert b"Europa!" in text and STALE.encode() not in text


def test_an_unwritable_cache_falls_back_to_a_private_folder(tmp_path: Path) -> None:
    folder = catalogue_folder(tmp_path, "core")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")

    (chosen,) = i18n_catalogues.current_directories([folder], blocked / "translations")

    assert not chosen.is_relative_to(blocked) and (chosen / "nl" / "LC_MESSAGES" / "messages.mo").exists()
    assert chosen.parent.stat().st_mode & 0o077 == 0  # mkdtemp: this user only
