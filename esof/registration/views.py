"""HTTP handlers of the registration area."""
from flask import Blueprint

bp = Blueprint("registration", __name__, url_prefix="/registration")
