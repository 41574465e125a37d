"""HTTP handlers of the feeds area."""
from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
