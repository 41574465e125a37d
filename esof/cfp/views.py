"""HTTP handlers of the call for sessions: the call and the speakers' pages, the reviewers'
pages and the organisers' pages. One blueprint, a module of views per audience."""
from esof.cfp import csv_export, organiser_views, review_views, speaker_views
from esof.cfp.blueprint import bp

__all__ = ["bp", "csv_export", "organiser_views", "review_views", "speaker_views"]
