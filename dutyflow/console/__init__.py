"""The office console's read pages, as services over the store (the portal's routes only render them).

- `scope`: what every page reads from (store, plan, calendar, the moment).
- `tables`: server-side sorting, filtering and paging from query parameters (pure).
- `overview`: completeness and timeliness, who is late, delivery problems, next runs.
- `schedule`: the next runs of each flow (pure).
- `units`, `unit_page`: the units, and one unit's obligations, messages, submissions, contacts.
- `message_page`: a message as it was sent.
- `reports`: the reports made, and their files.
- `audit_log`: the audit log, filtered, and its CSV export.
"""
