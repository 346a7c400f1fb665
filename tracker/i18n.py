"""Languages: English at /, Spanish under /es/, through Flask-Babel catalogs in translations/."""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from urllib.parse import quote

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_locale, gettext, lazy_gettext, ngettext
from markupsafe import Markup, escape

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


# --- Labels built at render time, in the page's language -------------------------------------
# The records store what the source says (in English) and what our code derived from it; a
# label is made from those when a page is drawn, so a Spanish page never shows a label that
# was frozen in English when the row was written.

# Names of the council's bodies and meetings as the records give them, and what a Spanish
# reader calls them. A name not listed here is shown as it is, marked as English.
COUNCIL_NAMES = {
    "City Council": lazy_gettext("City Council"),
    "Birmingham City Council": lazy_gettext("Birmingham City Council"),
    "Regular City Council Meeting": lazy_gettext("Regular City Council Meeting"),
    "Birmingham City Council Meeting": lazy_gettext("Birmingham City Council Meeting"),
    "Special Called Meeting": lazy_gettext("Special Called Meeting"),
    "Special Meeting of the City Council": lazy_gettext("Special Meeting of the City Council"),
    "Committee of the Whole": lazy_gettext("Committee of the Whole"),
    "Committee of the Whole Meeting": lazy_gettext("Committee of the Whole Meeting"),
    "Special Called Committee of the Whole Meeting": lazy_gettext(
        "Special Called Committee of the Whole Meeting"
    ),
    "Budget and Finance Committee": lazy_gettext("Budget and Finance Committee"),
    "Public Safety Committee": lazy_gettext("Public Safety Committee"),
}
# Bylines that are roles, not names.
ROLES = {
    "editors": lazy_gettext("the editors"),
    "editor": lazy_gettext("an editor"),
}
# The English titles the matcher writes on its candidates (tracker/evidence.py).
EVIDENCE_TITLES = (
    (re.compile(r"Item (?P<n>[\w.-]+), (?P<name>.+)", re.S), lazy_gettext("Item %(n)s")),
    (
        re.compile(r"Minutes p\. (?P<n>\d+), (?P<name>.+)", re.S),
        lazy_gettext("Minutes, page %(n)s"),
    ),
    (re.compile(r"Press release, (?P<name>.+)", re.S), lazy_gettext("Press release")),
)


PAIRED_QUOTES = re.compile(r'"([^"\n]+)"')


def spanish_quotes(text: str) -> str:
    """Straight quotation marks in a Spanish text made typographic, so that a Spanish page
    quotes in one style ("x" from a data file and “x” from the catalogue alike)."""
    return PAIRED_QUOTES.sub("\u201c\\1\u201d", text)


def page_lang() -> str:
    return str(get_locale().language) if get_locale() else "en"


def english(text: str) -> Markup:
    """Text kept in English on a Spanish page: marked for screen readers and translators."""
    if page_lang() == "en":
        return escape(text)
    return Markup('<span lang="en">%s</span>') % text


def council_name(text: str | None) -> Markup:
    """A body's or a meeting's name from the records, in the page's language when we know it."""
    text = (text or "").strip()
    if page_lang() == "en" or not text:
        return escape(text)
    known = COUNCIL_NAMES.get(text)
    return escape(str(known)) if known is not None else english(text)


def byline(who: str | None) -> Markup:
    """Who recorded something: a role in the page's language, or the name they gave."""
    role = ROLES.get((who or "").strip().lower())
    return escape(str(role)) if role is not None else escape(who or "")


def in_language(text_en: str | None, text_es: str | None = None) -> Markup:
    """An editor's text in the page's language; when it has none, the other one, marked
    with its language so that no reader takes it for a translation that is missing."""
    lang = page_lang()
    mine, other, other_lang = (text_es, text_en, "en") if lang == "es" else (text_en, text_es, "es")
    if mine:
        return escape(spanish_quotes(mine) if lang == "es" else mine)
    if not other:
        return Markup("")
    label = gettext("(in English)") if other_lang == "en" else gettext("(in Spanish)")
    return Markup('<span lang="%s">%s</span> <span class="lang-note">%s</span>') % (
        other_lang,
        other,
        label,
    )


UNIT_LABELS = {
    "item": lazy_gettext("Item %(n)s"),
    "minutes": lazy_gettext("Minutes, page %(n)s"),
    "press": lazy_gettext("Press release"),
}


def evidence_title(ev: dict) -> Markup:
    """The heading of a piece of evidence in the page's language: a candidate's built from what
    it points to ("Item 3" and the meeting's name), whether the row says so in fields
    (unit_kind, item_number, page) or in the English title the matcher used to store; a curated
    event's own title in the page's language."""
    title = (ev.get("title") or "").strip()
    kind = ev.get("unit_kind")
    number = ev.get("item_number") if kind == "item" else ev.get("page")
    if kind in UNIT_LABELS and (kind == "press" or number is not None):
        head = escape(str(UNIT_LABELS[kind]) % {"n": number})
        name = english(title) if kind == "press" else council_name(title)
        return head + (Markup(", ") + name if title else Markup(""))
    if not title:
        return english((ev.get("snippet") or "")[:80])
    if page_lang() == "es" and ev.get("title_es"):
        return escape(spanish_quotes(ev["title_es"]))
    for pattern, label in EVIDENCE_TITLES:
        found = pattern.fullmatch(title)
        if found:
            parts = found.groupdict()
            head = str(label) % {"n": parts["n"]} if "n" in parts else str(label)
            return escape(head) + Markup(", ") + council_name(parts["name"])
    if page_lang() == "en" or title in COUNCIL_NAMES:
        return council_name(title)
    return in_language(title, None)


# What the scrapers and the extractor write on a run, in English, for the log and the operator:
# a Spanish page names the kind of problem in Spanish and keeps the technical detail (URLs,
# status codes, counts) as it was written, marked as English.
HEALTH_HEADS = (
    (
        re.compile(r"layout changed\?\s*(?P<rest>.*)", re.S),
        lazy_gettext("The page layout may have changed:"),
    ),
    (
        re.compile(r"listing unavailable:\s*(?P<rest>.*)", re.S),
        lazy_gettext("The list of meetings could not be read:"),
    ),
    (re.compile(r"internal error:\s*(?P<rest>.*)", re.S), lazy_gettext("Internal error:")),
    (re.compile(r"not a PDF:\s*(?P<rest>.*)", re.S), lazy_gettext("Not a PDF:")),
    (
        re.compile(r"disallowed by robots\.txt(?P<rest>)"),
        lazy_gettext("Refused by the site's robots.txt"),
    ),
    (
        re.compile(r"host not on the allow-list(?P<rest>)"),
        lazy_gettext("A host that is not on the allow-list"),
    ),
    (
        re.compile(r"redirect to other host refused:\s*(?P<rest>.*)", re.S),
        lazy_gettext("Redirect to another host refused:"),
    ),
    (
        re.compile(r"more than (?P<n>\d+) pages: the rest left for next run(?P<rest>)"),
        lazy_gettext("More than %(n)s pages: the rest is left for the next run"),
    ),
    (
        re.compile(r"timeout while reading the body:\s*(?P<rest>.*)", re.S),
        lazy_gettext("Timed out while reading the document:"),
    ),
    (
        re.compile(r"connection error while reading the body:\s*(?P<rest>.*)", re.S),
        lazy_gettext("Connection lost while reading the document:"),
    ),
)
RETRIED = re.compile(r"HTTP (?P<code>\d{3}) after (?P<n>\d+) retries")
RUN_ERRORS = re.compile(r"(?P<n>\d+) error\(s\)")


def health_text(text: str | None) -> Markup:
    """A run's message or a document's error in the page's language, as far as it has a known
    shape; the rest as it was written, marked as English."""
    text = (text or "").strip()
    if page_lang() == "en" or not text:
        return escape(text)
    counted = RUN_ERRORS.fullmatch(text)
    if counted:
        n = int(counted["n"])
        return escape(ngettext("%(num)d error", "%(num)d errors", n))
    if re.fullmatch(r"HTTP \d{3}", text):
        return escape(text)
    retried = RETRIED.fullmatch(text)
    if retried:
        return escape(gettext("HTTP %(code)s after %(n)s retries", **retried.groupdict()))
    for pattern, head in HEALTH_HEADS:
        found = pattern.fullmatch(text)
        if found:
            label = escape(str(head) % found.groupdict() if "%(" in str(head) else str(head))
            rest = found.groupdict().get("rest")
            return label + (Markup(" ") + health_text(rest) if rest else Markup(""))
    return english(text)


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
