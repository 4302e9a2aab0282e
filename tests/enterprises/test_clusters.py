"""Shenzhen's "20+8" clusters are data an administrator edits; firms are tagged in the firm form and the
enterprise list filters by cluster."""

import pytest
from django.urls import reverse

from enterprises.models import Cluster, Enterprise
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

EMERGING = {"网络与通信", "半导体与集成电路", "超高清视频显示", "智能终端", "智能传感器", "软件与信息服务", "数字创意",
            "现代时尚", "工业母机", "智能机器人", "激光与增材制造", "精密仪器设备", "新能源", "安全节能环保",
            "智能网联汽车", "新材料", "高端医疗器械", "生物医药", "大健康", "海洋产业"}
FUTURE = {"合成生物", "区块链", "细胞与基因", "空天技术", "脑科学与类脑智能", "深地深海", "可见光通信与光计算", "量子信息"}


def test_the_20_plus_8_clusters_are_loaded_as_data():
    assert set(Cluster.objects.filter(kind="emerging").values_list("name", flat=True)) == EMERGING
    assert set(Cluster.objects.filter(kind="future").values_list("name", flat=True)) == FUTURE


def test_an_administrator_edits_clusters_in_the_admin(client_for, admin_user):
    c = client_for(admin_user)
    resp = c.post(reverse("admin:enterprises_cluster_add"), {"code": "guangming-ai", "name": "人工智能",
                                                             "kind": "local"})
    assert resp.status_code == 302
    assert Cluster.objects.get(code="guangming-ai").get_kind_display() == "区级产业集群"


def test_a_statistician_tags_a_firm_with_clusters_in_the_firm_form(client_for, statistician, street):
    firm = EnterpriseFactory(street=street, name="深圳市集群科技有限公司")
    display, sensor = Cluster.objects.get(name="超高清视频显示"), Cluster.objects.get(name="智能传感器")
    c = client_for(statistician)
    form = c.get(reverse("enterprises:edit", args=[firm.pk])).content.decode()
    assert 'name="clusters"' in form and "量子信息" in form
    resp = c.post(reverse("enterprises:edit", args=[firm.pk]), {
        "name": firm.name, "street": street.pk, "status": "active", "clusters": [display.pk, sensor.pk]})
    assert resp.status_code == 302
    assert set(Enterprise.objects.get(pk=firm.pk).clusters.all()) == {display, sensor}
    resp = c.post(reverse("enterprises:edit", args=[firm.pk]), {"name": firm.name, "street": street.pk,
                                                                "status": "active"})
    assert resp.status_code == 302 and not Enterprise.objects.get(pk=firm.pk).clusters.exists()


def test_the_enterprise_list_filters_by_cluster(client_for, officer, street):
    tagged, untagged = EnterpriseFactory(street=street), EnterpriseFactory(street=street)
    cluster = Cluster.objects.get(name="新材料")
    tagged.clusters.add(cluster)
    page = client_for(officer).get(reverse("enterprises:list"), {"cluster": cluster.pk})
    assert page.status_code == 200
    assert [e.pk for e in page.context["page"].rows] == [tagged.pk]
    assert f'<option value="{cluster.pk}" selected>' in page.content.decode()


def test_the_cluster_filtered_list_is_not_for_department_handlers(client_for, department_user):
    cluster = Cluster.objects.get(name="新材料")
    assert client_for(department_user).get(reverse("enterprises:list"), {"cluster": cluster.pk}).status_code == 403
