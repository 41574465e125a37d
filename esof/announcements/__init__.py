"""Mail to delegates: announcements written by organisers to a segment, queued through the
outbox one per recipient, with an opt-out that only announcements honour."""
