"""HTTP handlers of the programme area: the public programme (latest published version only)
and the organisers' tools. One blueprint, three modules of views."""
from esof.programme import organiser_views, public_views, schedule_views, speaker_views
from esof.programme.blueprint import bp

__all__ = ["bp", "organiser_views", "public_views", "schedule_views", "speaker_views"]
