"""HTTP handlers of the programme area: the public programme (latest published version only)
and the organisers' tools. One blueprint, three modules of views."""
from esof.programme import optimiser_views, organiser_views, public_views, schedule_views, speaker_views
from esof.programme.blueprint import bp

__all__ = ["bp", "optimiser_views", "organiser_views", "public_views", "schedule_views", "speaker_views"]
