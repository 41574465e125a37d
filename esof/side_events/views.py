"""HTTP handlers of the side events area: one blueprint, its views by concern (the public
calendar, partners' pages, moderation, partner organisations and invitations)."""
from esof.side_events import moderation_views, organisation_views, partner_views, public_views
from esof.side_events.blueprint import bp

__all__ = ["bp", "moderation_views", "organisation_views", "partner_views", "public_views"]
