"""The Flask app factory: public pages in English and Spanish over the tracker database."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from ..catalog import sync
from ..config import Settings
from ..db import open_db
from ..i18n import TRANSLATIONS_DIR, LanguagePrefix, compile_catalogs, url_in
from . import (
    about,
    alerts,
    api,
    audit,
    data,
    desk,
    desk_evidence,
    feeds,
    filters,
    ops,
    public,
    records,
    tips,
)
from .caching import PageCache, page_query
from .database import close_db

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` may hold SETTINGS (a Settings) and Flask options."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "data"),
    )
    test_config = dict(test_config or {})
    settings: Settings = test_config.pop("SETTINGS", None) or Settings.from_env()
    settings = settings.with_secret()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE=str(settings.tz),
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
    )
    app.config.update(test_config)

    compile_catalogs()
    db = open_db(settings.db_path)  # migrates an older database once, at start
    place = settings.place
    sync(db, place.catalogue, place.curated)  # validated, and its edits loaded, at every start
    db.conn.close()

    Babel(app, locale_selector=lambda: request.environ.get("tracker.lang", "en"))
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]
    filters.register(app)
    PageCache(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(about.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(data.bp)
    feeds.init_app(app)
    csrf = CSRFProtect(app)  # every POST, desk and public forms alike, needs the session's token
    alerts.init_app(app, csrf)  # but the one-click unsubscribe, which carries its own token
    desk.init_app(app)
    tips.init_app(app)  # readers' tips: the public form and the desk's page for them
    app.register_blueprint(desk_evidence.bp)  # manual evidence, the stance always asked

    @app.context_processor
    def _freshness() -> dict:
        from ..health import freshness
        from .database import get_db

        return {"freshness": freshness(get_db(), settings)}

    @app.context_processor
    def _jurisdiction() -> dict:
        return {"jurisdiction": place, "zone": str(settings.tz)}

    @app.context_processor
    def _languages() -> dict:
        lang = request.environ.get("tracker.lang", "en")
        return {
            "lang": lang,
            "other_lang": "es" if lang == "en" else "en",
            "other_lang_url": url_in(
                "es" if lang == "en" else "en", request.script_root, request.path, page_query()
            ),
        }

    app.teardown_appcontext(close_db)

    @app.errorhandler(404)
    def _not_found(_exc: Exception):
        return render_template("error.html", code=404), 404

    @app.errorhandler(400)
    def _bad_request(exc: Exception):
        return render_template("error.html", code=400, detail=getattr(exc, "description", "")), 400

    @app.errorhandler(500)
    def _server_error(_exc: Exception):
        return render_template("error.html", code=500), 500

    return app
