"""HTTP handlers of the checkin area."""
from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/checkin")
