"""Signals other areas listen to; registration does not import the areas that depend on it.

`account_erasing` is sent (sender: the User) just before a delegate's personal data is
erased, so bookings can release seats and other areas can drop what they keep. Receivers
flush, never commit: everything happens in the one transaction of the erasure.
"""
from blinker import Namespace

signals = Namespace()
account_erasing = signals.signal("account-erasing")
