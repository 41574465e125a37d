"""Dutch translation catalogues, one per area, so areas never edit the same file.

    python -m esof.i18n_catalogues update [AREA]   # extract strings, merge into nl .po
                                                    # (AREA: core, accounts, programme, ...)
    python -m esof.i18n_catalogues compile   # .po -> .mo (make does this before run/test)
    python -m esof.i18n_catalogues check     # list strings without a Dutch translation

Core strings (base layout, home page, errors, shared modules) live in esof/translations;
an area's strings (esof/<area>/ and esof/templates/<area>/) in esof/<area>/translations.

Only the .po files are kept and shipped (git ignores .mo, the wheel leaves them out). At start-up
`current_directories` gives Flask-Babel each catalogue folder whose .mo is at least as new as
its .po (what `make translations` leaves), and compiles any other into a cache folder.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

logger = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
LANGUAGE = "nl"
KEYWORDS = {
    "_": None, "gettext": None, "lazy_gettext": None, "_l": None,
    "ngettext": (1, 2), "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2),
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
# Every kind of template the app renders (pages, mails, the Atom feed of programme changes).
TEMPLATE_PATTERNS = ("*.html", "*.txt", "*.atom")


def areas() -> list[str]:
    return sorted(
        p.name for p in PACKAGE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"main", "translations"}
    )


def sources(area: str | None) -> Iterator[tuple[Path, str]]:
    """(file, method) pairs that belong to an area, or to the core when area is None."""
    if area is not None:
        yield from ((p, "python") for p in sorted((PACKAGE / area).rglob("*.py")))
        for ext in TEMPLATE_PATTERNS:
            yield from ((p, "jinja2") for p in sorted((TEMPLATES / area).rglob(ext)))
        return
    owned = set(areas())
    for p in sorted(PACKAGE.rglob("*.py")):
        if p.relative_to(PACKAGE).parts[0] not in owned:
            yield p, "python"
    for ext in TEMPLATE_PATTERNS:
        for p in sorted(TEMPLATES.rglob(ext)):
            if p.relative_to(TEMPLATES).parts[0] not in owned:
                yield p, "jinja2"


def catalogue_path(area: str | None) -> Path:
    base = PACKAGE / "translations" if area is None else PACKAGE / area / "translations"
    return base / LANGUAGE / "LC_MESSAGES" / "messages.po"


def extract(area: str | None) -> Catalog:
    catalog = Catalog(locale=LANGUAGE, project="esof")
    for path, method in sources(area):
        options = JINJA_OPTIONS if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            location = (str(path.relative_to(PACKAGE.parent)), lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def read_catalogue(area: str | None) -> Catalog:
    path = catalogue_path(area)
    if not path.exists():
        return Catalog(locale=LANGUAGE, project="esof")
    with path.open("rb") as handle:
        return read_po(handle, locale=LANGUAGE)


def update(area: str | None) -> int:
    template = extract(area)
    path = catalogue_path(area)
    if not len(template) and not path.exists():
        return 0
    catalog = read_catalogue(area)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    return len(template)


def compile_catalogue(area: str | None) -> None:
    path = catalogue_path(area)
    if not path.exists():
        return
    write_compiled(path, path.with_suffix(".mo"))


def write_compiled(po: Path, mo: Path) -> None:
    """Compile po into mo; written aside and renamed, so a reader never sees half a file."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parents[1].name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    partial = mo.with_name(f"{mo.name}.{os.getpid()}.partial")
    with partial.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    os.replace(partial, mo)


def _catalogues_in(directory: Path) -> list[Path]:
    """The .po files of a translations folder: <language>/LC_MESSAGES/<domain>.po."""
    return sorted(directory.glob("*/LC_MESSAGES/*.po"))


def is_compiled(directory: Path) -> bool:
    """Every .po of the folder has a .mo at least as new as itself (a stale .mo does not count)."""
    for po in _catalogues_in(directory):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns:
            return False
    return True


def compiled_copy(directory: Path, cache: Path) -> Path:
    """A folder in cache with the folder's catalogues compiled, named by the .po contents:
    compiled once per version of the .po files, reused by every later start and process."""
    digest = hashlib.sha256()
    catalogues = _catalogues_in(directory)
    for po in catalogues:
        digest.update(str(po.relative_to(directory)).encode() + b"\0" + po.read_bytes() + b"\0")
    name = "core" if directory.parent == PACKAGE else directory.parent.name
    target = cache / f"{name}-{digest.hexdigest()[:16]}"
    for po in catalogues:
        mo = target / po.relative_to(directory).with_suffix(".mo")
        if not mo.exists():
            write_compiled(po, mo)
    return target


_private_cache: Path | None = None


def _fallback_cache() -> Path:
    """A folder of this process only (a shared temporary folder could be planted)."""
    global _private_cache
    if _private_cache is None:
        _private_cache = Path(tempfile.mkdtemp(prefix="esof-translations-"))
    return _private_cache


def current_directories(directories: Iterable[Path], cache: Path) -> list[Path]:
    """For each translations folder, itself when compiled and current, else a compiled copy in
    cache (or, when cache cannot be written, in a private temporary folder). The package is
    never written to, so a read-only site-packages works."""
    chosen = []
    for directory in directories:
        if is_compiled(directory):
            chosen.append(directory)
            continue
        try:
            chosen.append(compiled_copy(directory, cache))
        except OSError as error:
            fallback = _fallback_cache()
            logger.warning("Translations: cannot write %s (%s); compiled into %s", cache, error, fallback)
            chosen.append(compiled_copy(directory, fallback))
    return chosen


def missing(area: str | None) -> list[str]:
    """Strings used in the code without a (non-fuzzy) Dutch translation."""
    catalog = read_catalogue(area)
    gaps = []
    for message in extract(area):
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found else None
        if isinstance(strings, tuple | list):
            translated = all(strings)
        else:
            translated = bool(strings)
        if not found or found.fuzzy or not translated:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def all_areas() -> list[str | None]:
    return [None, *areas()]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        chosen = argv[2:] or ["all"]
        for area in all_areas():
            if "all" in chosen or (area or "core") in chosen:
                update(area)
    elif command == "compile":
        for area in all_areas():
            compile_catalogue(area)
    elif command == "check":
        failed = 0
        for area in all_areas():
            for text in missing(area):
                failed += 1
                print(f"{area or 'core'}: no Dutch for {text!r}")
        return 1 if failed else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
