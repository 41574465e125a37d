"""HTTP handlers of the venues area."""
from flask import Blueprint

bp = Blueprint("venues", __name__, url_prefix="/organiser/venues")
