"""The venues blueprint: the organisers' pages under /organiser/venues and the public venue
pages under /venues (one area, one blueprint, two modules of views)."""
from __future__ import annotations

from flask import Blueprint

from esof import access

bp = Blueprint("venues", __name__)
ORGANISER = "/organiser/venues"  # every page under it is for organisers (the guard in views)

# The organisers' pages are guarded by one before_request hook; public views declare their own.
access.declare_blueprint(bp, access.roles("organiser"))
