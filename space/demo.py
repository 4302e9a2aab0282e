"""Demo data: give the demo parks a place on the map, their areas and a 低效 rule. Idempotent."""

from __future__ import annotations

import random
from decimal import Decimal

# 光明区 around 113.90–113.96 E, 22.74–22.80 N.
LNG, LAT = Decimal("113.935"), Decimal("22.770")


def load(stdout=None) -> dict:
    from enterprises.models import Park
    from space.models import EfficiencyRule

    rng = random.Random(20)
    updated = 0
    for park in Park.objects.filter(longitude__isnull=True).order_by("pk")[:500]:
        park.longitude = LNG + Decimal(rng.randint(-300, 300)) / 10000
        park.latitude = LAT + Decimal(rng.randint(-300, 300)) / 10000
        park.floor_area = park.floor_area or Decimal(rng.randrange(20000, 200000, 1000))
        park.land_area = park.land_area or (park.floor_area / Decimal("2.5")).quantize(Decimal("1"))
        park.managed_status = rng.choice(list(Park.ManagedStatus.values))
        park.theme = park.theme or rng.choice(["新一代信息技术", "高端装备", "新材料", "生物医药", ""])
        park.save()
        updated += 1
    EfficiencyRule.objects.get_or_create(street=None, defaults={
        "min_tax_per_10k": Decimal("300"), "min_occupancy": Decimal("70")})
    if stdout:
        stdout.write(f"space: {updated} parks placed")
    return {"parks": updated}
