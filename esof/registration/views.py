"""The registration blueprint with all its pages: the factory registers `bp` from here.

Importing the two view modules registers their routes on the one blueprint (endpoints
`registration.*`); nothing else imports this module, so no import cycle can start here.
"""
from __future__ import annotations

from esof.registration import billing_views, delegate_views, organiser_views, question_views, voucher_views
from esof.registration.blueprint import bp

__all__ = ["billing_views", "bp", "delegate_views", "organiser_views", "question_views", "voucher_views"]
