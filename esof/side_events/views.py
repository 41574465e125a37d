"""HTTP handlers of the side events area."""
from flask import Blueprint

bp = Blueprint("side_events", __name__, url_prefix="/calendar")
