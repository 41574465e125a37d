"""The public verbs of announcements (mail to delegates), from their modules by concern."""
from esof.announcements.optout import has_opted_out, opt_in, opt_out, unsubscribe_url, user_from_token
from esof.announcements.queueing import (
    BATCH_SIZE,
    MessageText,
    Preview,
    SegmentChanged,
    create_announcement,
    preview_announcement,
    queue_announcement,
    queue_batch,
    resume_queueing,
)
from esof.announcements.segment import EmptySegment, InvalidSegment, Segment, count_recipients

__all__ = [
    "BATCH_SIZE", "EmptySegment", "InvalidSegment", "MessageText", "Preview", "Segment", "SegmentChanged",
    "count_recipients", "create_announcement", "has_opted_out", "opt_in", "opt_out", "preview_announcement",
    "queue_announcement", "queue_batch", "resume_queueing", "unsubscribe_url", "user_from_token",
]
