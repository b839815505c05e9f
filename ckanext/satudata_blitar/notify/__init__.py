"""Notifications (issue 16): nobody has to poll.

``events`` — which event tells whom (from the rules of ``permissions.py``), the in-portal
notices and the mail-log rows, written in the event's own transaction; ``mail`` — the RQ job
that sends them after the commit, once, with retries; ``messages`` — the words (Indonesian,
English), plain text and HTML; ``digest`` — the daily digest and the escalation
(``ckan satudata notify digest``), from ``deadlines.deadline_items`` and the one working-day
clock. See docs/notifications.md.
"""
