"""专精特新 tiers keep 市级 and 省级 apart: a street's target is 市级"专精特新"30家."""

import pytest
from django.urls import reverse

from enterprises.models import Classification
from namelists.rules import default_zjtx_tier, zjtx_tier
from tests.enterprises.factories import ClassificationFactory, EnterpriseFactory


@pytest.mark.parametrize("word,tier", [
    ("市级", "municipal"), ("深圳市“专精特新”中小企业", "municipal"), ("2025年深圳市专精特新中小企业名单", "municipal"),
    ("省级", "provincial"), ("广东省专精特新中小企业", "provincial"), ("省级专精特新中小企业", "provincial"),
    ("国家级专精特新“小巨人”", "little_giant"), ("创新型中小企业", "innovative"), ("专精特新", None), ("区级", None),
])
def test_list_words_map_to_separate_tiers(word, tier):
    assert zjtx_tier(word) == tier


def test_a_list_without_tier_is_registered_as_municipal_and_says_so():
    assert default_zjtx_tier("2025年专精特新企业名单", "名单.xlsx") == ("municipal", "级别未注明，暂按市级专精特新登记")
    assert default_zjtx_tier("广东省专精特新中小企业名单", "x.xlsx")[0] == "provincial"


def test_tiers_have_their_own_labels():
    labels = dict(Classification.ZjtxTier.choices)
    assert labels["municipal"] == "市级专精特新中小企业" and labels["provincial"] == "省级专精特新中小企业"


@pytest.mark.django_db
def test_the_enterprise_list_filters_municipal_apart_from_provincial(client_for, manager, street):
    municipal, provincial = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    ClassificationFactory(enterprise=municipal, kind="zjtx", category="municipal", year=2025)
    ClassificationFactory(enterprise=provincial, kind="zjtx", category="provincial", year=2025)
    page = client_for(manager).get(reverse("enterprises:list"), {"kind": "zjtx", "category": "municipal",
                                                                  "year": 2025})
    assert [e.pk for e in page.context["page"].rows] == [municipal.pk]
