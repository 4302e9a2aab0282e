"""Who may do what in economy (one table). Rows are scoped by street in the views (crm.scoping): a street user
sees only their street; district users (Role.DISTRICT, no street) and administrators see every street, read-only.

| action                                  | officer | statistician | manager | district | admin |
|-----------------------------------------|---------|--------------|---------|----------|-------|
| street page, drill-down, export         | own     | own          | own     | any      | any   |
| district view (streets side by side)    |         |              |         | yes      | yes   |
| import monthly figures                  |         | own          |         |          | any   |
| set growth targets                      |         |              | own     |          | any   |
| watch-list notices                      | firms they serve (liaison officer)                       |
"""

from crm.models import Role

STREET_ROLES = (Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.DISTRICT, Role.ADMIN)
DISTRICT_ROLES = (Role.DISTRICT, Role.ADMIN)
IMPORT_ROLES = (Role.STATISTICIAN, Role.ADMIN)
TARGET_ROLES = (Role.MANAGER, Role.ADMIN)
