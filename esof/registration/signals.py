"""Signals other areas listen to; registration does not import the areas that depend on it.

`account_erasing` is sent (sender: the User) just before a delegate's personal data is
erased, so bookings can release seats and other areas can drop what they keep.
`registration_cancelled` is sent (sender: the User) when a registration is cancelled or
rejected: without a registration there is no seat to hold. Receivers flush, never commit:
everything happens in the one transaction of the change.
"""
from blinker import Namespace

signals = Namespace()
account_erasing = signals.signal("account-erasing")
registration_cancelled = signals.signal("registration-cancelled")
