"""After a monthly import each liaison officer is told, once, of their firms that entered a watch list."""

import pytest

from crm.models import Notification
from economy.services import notify_pending_watch
from enterprises.models import Enterprise
from tests.economy.factories import import_file, monthly_xlsx
from tests.economy.test_computations import APRIL, MAY, C, D
from tests.enterprises.factories import LiaisonFactory


@pytest.fixture
def on_commit_now(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


def test_liaison_officer_is_told_once_of_firms_entering_a_watch_list(street, tmp_path, on_commit_now):
    import_file(tmp_path, monthly_xlsx(4, APRIL), "2026-04", name="april.xlsx")
    d = Enterprise.objects.get(uscc=D)
    c = Enterprise.objects.get(uscc=C)
    liaison = LiaisonFactory(enterprise=d)
    LiaisonFactory(enterprise=c, officer=liaison.officer)
    Notification.objects.all().delete()
    import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", name="may.xlsx")
    keys = set(Notification.objects.filter(recipient=liaison.officer).values_list("key", flat=True))
    # D left the list (未报); C reported zero in May but not in April (零报).
    assert keys == {f"economy:watch:missing:{d.pk}:2026-05", f"economy:watch:zero:{c.pk}:2026-05"}
    import_file(tmp_path, monthly_xlsx(5, MAY), "2026-05", name="may_again.xlsx")
    assert notify_pending_watch() == 0
    assert Notification.objects.filter(recipient=liaison.officer).count() == 2


def test_firm_already_on_the_list_last_month_is_not_announced_again(street, tmp_path, on_commit_now):
    zero_twice = [(C, "丙公司", "马田街道", 0, 30, 0)]
    import_file(tmp_path, monthly_xlsx(4, zero_twice), "2026-04", name="april.xlsx")
    liaison = LiaisonFactory(enterprise=Enterprise.objects.get(uscc=C))
    import_file(tmp_path, monthly_xlsx(5, [(C, "丙公司", "马田街道", 0, 30, 0)]), "2026-05", name="may.xlsx")
    assert not Notification.objects.filter(recipient=liaison.officer).exists()
