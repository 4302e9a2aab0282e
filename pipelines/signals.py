"""Signals pipelines sends for other apps (it imports none of them).

`vacancies_changed(sender, park_ids)`: vacancies of these parks were written in bulk (the vacancy import), which
model signals do not report. The space app refreshes its park rollups on it.
"""

from django.dispatch import Signal

vacancies_changed = Signal()
