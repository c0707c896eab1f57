"""The public results of a season: open to anyone, the same for everyone, and cacheable.

The page's language is in its address (``/public/ru/results/2026``), not in the visitor's session:
it reads no cookie and sets none, so a shared cache may keep one copy per address, and a
conditional request whose ETag still matches gets a 304 without the page being built again.
"""
from __future__ import annotations

from flask import Response, abort, current_app, make_response, render_template, request
from werkzeug.http import is_resource_modified

from contest.extensions import db
from contest.models import Season
from contest.public import bp
from contest.public.sessions import shared
from contest.services import publication

# Seconds a browser or a shared cache may keep the page before asking again (with its ETag).
MAX_AGE = 300


@bp.get("/<lang>/results/<int:year>")
def results(lang: str, year: int):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    season = db.first_or_404(db.select(Season).where(Season.year == year))
    shared()
    checks = publication.validators(season, lang)
    if is_resource_modified(request.environ, etag=checks.etag, last_modified=checks.last_modified):
        response = make_response(render_template("public/results.html", published=publication.published(season),
                                                 lang=lang))
    else:
        response = Response(status=304)
    response.set_etag(checks.etag)
    if checks.last_modified is not None:
        response.last_modified = checks.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Content-Language"] = lang
    return response
