"""HTTP handlers of the programme area."""
from flask import Blueprint

bp = Blueprint("programme", __name__, url_prefix="/programme")
