"""HTTP handlers of the mail area."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/organiser/mail")
