"""Map outlines: validate an uploaded GeoJSON and store it. Administrators only (space.permissions)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.models import User
from space.models import MapOutline
from space.permissions import require

MAX_BYTES = 5 * 1024 * 1024
MAX_POINTS = 200_000
POLYGONS = ("Polygon", "MultiPolygon")


def _points(coords, depth: int) -> int:
    """Count positions, checking each is [lng, lat] within range; depth = nesting of the geometry type."""
    if depth == 0:
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])):
            raise ValidationError(_("坐标应为 [经度, 纬度] 数字对。"))
        if not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
            raise ValidationError(_("坐标超出经纬度范围：%(c)s") % {"c": coords[:2]})
        return 1
    if not isinstance(coords, list) or not coords:
        raise ValidationError(_("多边形坐标为空或格式错误。"))
    return sum(_points(c, depth - 1) for c in coords)


def validate_geojson(content: bytes) -> dict:
    """A FeatureCollection of named Polygon/MultiPolygon features, in degrees, within the size limits."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("文件过大：上限 5 MB。"))
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError(_("不是有效的 GeoJSON（JSON 格式错误）。")) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValidationError(_("GeoJSON 顶层应为 FeatureCollection。"))
    if not data["features"]:
        raise ValidationError(_("GeoJSON 中没有要素。"))
    total = 0
    for i, feature in enumerate(data["features"], start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONS:
            raise ValidationError(_("第 %(i)s 个要素不是 Polygon/MultiPolygon。") % {"i": i})
        props = feature.get("properties") or {}
        if not isinstance(props, dict) or not str(props.get("name") or "").strip():
            raise ValidationError(_("第 %(i)s 个要素缺少 properties.name（街道/社区名称）。") % {"i": i})
        total += _points(geometry.get("coordinates"), 2 if geometry["type"] == "Polygon" else 3)
        if total > MAX_POINTS:
            raise ValidationError(_("坐标点过多（上限 %(n)s 个），请先简化边界。") % {"n": MAX_POINTS})
    return data


def upload(*, actor: User, name: str, street_id: int | None, content: bytes) -> MapOutline:
    require(actor, "upload_outline")
    data = validate_geojson(content)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写边界名称。"))
    return MapOutline.objects.create(name=name[:100], street_id=street_id, geojson=data,
                                     features=len(data["features"]), uploaded_by=actor)
