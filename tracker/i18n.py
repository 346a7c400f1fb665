"""Languages: English at /, Spanish under /es/, through Flask-Babel catalogs in translations/."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from urllib.parse import quote

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("en", "es")
PREFIXES = {"es": "/es"}
# What stays as it is in a path and in a query; all else (backslashes, tabs) is %-encoded.
PATH_SAFE = "/-._~!$&'()*+,;=:@"
QUERY_SAFE = PATH_SAFE + "?%"


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile each messages.po whose .mo is missing or older (the install step, automated)."""
    compiled = []
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)
        compiled.append(mo_path)
        logger.info("compiled %s", mo_path)
    return compiled


class LanguagePrefix:
    """WSGI middleware: /es/... is served by the same routes with the Spanish locale.

    Moving the prefix into SCRIPT_NAME makes every url_for() on a Spanish page stay Spanish.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        environ["tracker.lang"] = "en"
        for lang, prefix in PREFIXES.items():
            if path == prefix or path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix) :] or "/"
                environ["tracker.lang"] = lang
        return self.app(environ, start_response)


def url_in(lang: str, script_root: str, path: str, query: str = "") -> str:
    """The URL of the current page in another language, keeping its path and query.

    Always a path on this site: the (decoded) path is percent-encoded again, so a backslash,
    a tab or a second leading slash cannot turn it into `//elsewhere` for a browser."""
    root = script_root
    for prefix in PREFIXES.values():
        if root.endswith(prefix):
            root = root[: -len(prefix)]
    local = "/" + quote(path, safe=PATH_SAFE).lstrip("/")
    query = quote(query, safe=QUERY_SAFE)
    return root + PREFIXES.get(lang, "") + local + ("?" + query if query else "")


def translator(lang: str):
    """`_(message, **values)` in a language, for text made outside a request (emails, feeds
    built by a scheduled job): the same catalogues the pages use."""
    catalogue = _catalogue(lang) if lang != "en" else None

    def _(message: str, **values) -> str:
        text = catalogue.gettext(message) if catalogue is not None else message
        return text % values if values else text

    return _


@cache
def _catalogue(lang: str):
    from babel.support import Translations

    compile_catalogs()  # a job may run before any app has compiled them
    return Translations.load(str(TRANSLATIONS_DIR), [lang])


def site_url(base_url: str, lang: str, path: str) -> str:
    """An absolute URL of one of the site's pages in a language (`path` starts with /)."""
    return base_url.rstrip("/") + PREFIXES.get(lang, "") + path
