"""The enterprise registry: firms keyed by 统一社会信用代码, their industry, parks, and classifications as dated facts.

Classifications are facts with a period, never booleans: "四上 in 2024 as 规上工业", "国家级小巨人 recognised in
2023, valid to 2026", "in the 拟上市 pool from 2024-03-01 to 2025-06-30 (listed)". That is what lets the pages
answer "what was this firm in 2024" as well as "what is it now".
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models.bilingual import BilingualName
from crm.scoping import ScopedQuerySet, scoped_manager
from enterprises.pinyin import name_initials
from enterprises.uscc import django_validator


class IndustryCategory(BilingualName):
    """国民经济行业分类 GB/T 4754-2017, shipped as data (enterprises/data/gbt4754_2017.csv) and loaded by a migration."""

    class Level(models.TextChoices):
        SECTION = "men", _("门类")
        DIVISION = "da", _("大类")
        GROUP = "zhong", _("中类")
        CLASS = "xiao", _("小类")

    code = models.CharField(_("代码"), max_length=5, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=5, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    # The 门类 letter of every row, denormalised: the 四上 thresholds and most filters work by section.
    section = models.CharField(_("门类"), max_length=1, db_index=True)

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"


class Cluster(BilingualName):
    """Strategic industry clusters as tags: Shenzhen "20+8" (20 emerging industries + 8 future ones), 光明 "8+5"."""

    class Kind(models.TextChoices):
        EMERGING = "emerging", _("战略性新兴产业")
        FUTURE = "future", _("未来产业")
        LOCAL = "local", _("区级产业集群")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.EMERGING)

    class Meta:
        verbose_name = _("产业集群")
        verbose_name_plural = _("产业集群")
        ordering = ["kind", "name"]


class Park(models.Model):
    """A park or building (园区/楼宇) where firms sit and industrial space is offered."""

    class Kind(models.TextChoices):
        PARK = "park", _("产业园区")
        BUILDING = "building", _("商务楼宇")
        FACTORY = "factory", _("工业厂区")
        INDUSTRIAL = "industrial", _("工业园区")

    class Ownership(models.TextChoices):
        STATE = "state", _("国有")
        COLLECTIVE = "collective", _("集体")
        PRIVATE = "private", _("社会")

    class ManagedStatus(models.TextChoices):
        NONE = "none", _("未纳管")
        PENDING = "pending", _("纳管中")
        MANAGED = "managed", _("已纳管")

    street = models.ForeignKey("crm.Street", on_delete=models.PROTECT, related_name="parks", verbose_name=_("街道"))
    community = models.ForeignKey(
        "crm.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="parks", verbose_name=_("社区")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.PARK)
    ownership = models.CharField(_("产权性质"), max_length=12, choices=Ownership.choices, default=Ownership.PRIVATE)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    owner_name = models.CharField(_("业主/运营方"), max_length=100, blank=True)
    # Managed place (issue 20): location, areas, 一楼一业 theme, 纳管/统租 and who is responsible.
    # Derived figures (occupancy, output per 10,000 ㎡ …) are computed by space.selectors, never stored.
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    land_area = models.DecimalField(_("占地面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True)
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True)
    theme = models.CharField(_("主导产业（一楼一业）"), max_length=100, blank=True)
    managed_status = models.CharField(_("纳管状态"), max_length=10, choices=ManagedStatus.choices,
                                      default=ManagedStatus.NONE)
    managed_area = models.DecimalField(_("纳管面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True)
    leased_area = models.DecimalField(_("统租面积（㎡）"), max_digits=12, decimal_places=2, null=True, blank=True)
    officer = models.ForeignKey(
        "crm.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="parks",
        verbose_name=_("责任专员"),
    )
    micro_unit = models.CharField(_("经济微单元"), max_length=50, blank=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("园区/楼宇")
        verbose_name_plural = _("园区/楼宇")
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="park_unique_name_per_street"),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="park_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="park_latitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


#: Firms that a coverage kind concerns (四上, 专精特新, 规下抽样, 培育库: enterprises.selectors.common.COVERAGE_KINDS).
COVERAGE_ANY = Q(is_sishang=True) | Q(is_zjtx=True) | Q(is_sampled=True) | Q(is_pool=True)

class EnterpriseQuerySet(ScopedQuerySet):
    street_field = "street"

    def classified_on(self, kind: str, on: dt.date, category: str | None = None) -> EnterpriseQuerySet:
        facts = Classification.objects.active_on(on).filter(kind=kind)
        if category:
            facts = facts.filter(category=category)
        return self.filter(pk__in=facts.values("enterprise_id"))

    def classified_in_year(self, kind: str, year: int, category: str | None = None) -> EnterpriseQuerySet:
        facts = Classification.objects.in_year(year).filter(kind=kind)
        if category:
            facts = facts.filter(category=category)
        return self.filter(pk__in=facts.values("enterprise_id"))


class Enterprise(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        MOVED_OUT = "moved_out", _("迁出")
        DEREGISTERED = "deregistered", _("注销")

    # Unique through Meta.constraints: one index with varchar_pattern_ops serves both `=` and the prefix search
    # (LIKE 'code%'); unique=True would add a second btree, paid on every row a name-list import writes.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[django_validator])
    name = models.CharField(_("企业名称"), max_length=200)
    # [{"name": "...", "until": "YYYY-MM-DD"}], newest first: lists often carry an old name.
    former_names = models.JSONField(_("曾用名"), default=list, blank=True)
    # Pinyin initials of the name ("szsxxkj" for 深圳市星下科技), for search from a phone keyboard. Searched by
    # substring, which only the trigram index serves (migration 0002), so no btree of its own.
    name_initials = models.CharField(_("名称拼音首字母"), max_length=200, blank=True)
    # No single-column index: enterprise_street_name_idx leads with street_id.
    # A name-list import writes every index of this table 100,000 times, so each redundant one is paid there.
    street = models.ForeignKey(
        "crm.Street", on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("街道"), db_index=False
    )
    # Its own index serves every community query: a community lies in one street, so a (street, community) index
    # added nothing but a btree insert per imported firm.
    community = models.ForeignKey(
        "crm.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="enterprises",
        verbose_name=_("社区"),
    )
    # Indexed only where set (enterprise_park_idx): most firms sit in no park, and imports never set one.
    park = models.ForeignKey(
        Park, on_delete=models.SET_NULL, null=True, blank=True, related_name="enterprises", verbose_name=_("园区/楼宇"),
        db_index=False,
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    registered_capital = models.DecimalField(_("注册资本（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(_("经营状态"), max_length=14, choices=Status.choices, default=Status.ACTIVE)
    # GB/T 4754-2017 is a national standard loaded by migration and read-only in the product (see its admin), so
    # the key carries no database constraint: a 100,000-firm import would pay a deferred check per row for a table
    # nothing deletes from. Django's PROTECT still guards every delete made through the ORM.
    industry = models.ForeignKey(
        IndustryCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="enterprises",
        verbose_name=_("国民经济行业"), db_constraint=False,
    )
    clusters = models.ManyToManyField(Cluster, blank=True, related_name="enterprises", verbose_name=_("产业集群"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # --- Derived standing, for the whole-street pages (coverage, uncovered firms, due visits) -------------------
    # Never written by forms or Enterprise.save(): enterprises.services.standing derives them set-based from
    # Visit (last_visit_on), LiaisonAssignment (covered) and Classification (is_<kind>: a fact of that kind holds
    # today, ClassificationQuerySet.current), after every write that changes them, and re-derives the date-bound
    # ones nightly (an assignment or a fact that starts or ends that day, the new statistical year).
    last_visit_on = models.DateField(_("最近走访日期"), null=True, blank=True, editable=False)
    # Different people who visited in the 30 days up to today (减少扰企): a prefilter for over_visited, which
    # recounts the candidates from the visits themselves.
    visitors_30d = models.PositiveSmallIntegerField(_("近30天走访人数"), default=0, db_default=0, editable=False)
    covered = models.BooleanField(_("有挂点人员"), default=False, db_default=False, editable=False)
    is_sishang = models.BooleanField(_("当前四上企业"), default=False, db_default=False, editable=False)
    is_zjtx = models.BooleanField(_("当前专精特新"), default=False, db_default=False, editable=False)
    is_gaoxin = models.BooleanField(_("当前国家高新技术企业"), default=False, db_default=False, editable=False)
    is_listed = models.BooleanField(_("当前上市公司"), default=False, db_default=False, editable=False)
    is_preipo = models.BooleanField(_("当前拟上市企业"), default=False, db_default=False, editable=False)
    is_sampled = models.BooleanField(_("当前规下抽样"), default=False, db_default=False, editable=False)
    is_pool = models.BooleanField(_("当前培育库"), default=False, db_default=False, editable=False)

    #: The derived columns above: Enterprise.save() leaves them alone on an update.
    DERIVED_FIELDS = ("last_visit_on", "visitors_30d", "covered", "is_sishang", "is_zjtx", "is_gaoxin", "is_listed",
                      "is_preipo", "is_sampled", "is_pool")

    objects = EnterpriseQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "name_initials", *DERIVED_FIELDS])

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["street", "name"], name="enterprise_street_name_idx"),
            # Keyset pagination for district-wide users (street users use street_name + pk).
            models.Index(fields=["name", "id"], name="enterprise_name_id_idx"),
            models.Index(fields=["park"], condition=models.Q(park__isnull=False), name="enterprise_park_idx"),
            # The whole-street pages, served by partial indexes over the derived standing (only firms that some
            # coverage kind or visit rule concerns are in them). Coverage per street and kind: an index-only scan.
            models.Index(fields=["street", "covered", "is_sishang", "is_zjtx", "is_sampled", "is_pool"],
                         condition=COVERAGE_ANY, name="enterprise_coverage_idx"),
            # Uncovered firms of a street in name order.
            models.Index(fields=["street", "name"], condition=COVERAGE_ANY & Q(covered=False),
                         name="enterprise_uncovered_idx"),
            # Due visits, one partial index per rule kind (a visit rule concerns firms with a liaison or of one
            # kind): that kind's active firms of a street by last visit, never-visited ones (NULL) last. A firm is
            # in the few of them its flags select, so a write touches only those.
            # Firms visited by two or more people in the last 30 days (the candidates of 减少扰企).
            models.Index(fields=["street", "visitors_30d"], condition=Q(visitors_30d__gte=2),
                         name="enterprise_visitors_30d_idx"),
            *(models.Index(fields=["street", "last_visit_on"], condition=Q(status="active", **{flag: True}),
                           name=f"enterprise_due_{flag}_idx")
              for flag in ("covered", "is_sishang", "is_zjtx", "is_gaoxin", "is_listed", "is_preipo", "is_sampled",
                           "is_pool")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], opclasses=["varchar_pattern_ops"], name="enterprise_uscc_key"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Derived from the name on every save so no write path (form, import, admin) can leave it stale.
        self.name_initials = name_initials(self.name)
        # An update never writes the derived standing back: a form or service holding this instance since before
        # a visit or an assignment would otherwise overwrite what enterprises.services.standing derived meanwhile.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None \
                and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.attname for f in self._meta.concrete_fields
                                       if not f.primary_key and f.attname not in self.DERIVED_FIELDS]
        super().save(*args, **kwargs)


class EnterpriseContact(models.Model):
    """A contact person. Phones and emails are personal data: shown only to roles that need them, masked elsewhere."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class ClassificationQuerySet(ScopedQuerySet):
    street_field = "enterprise__street"

    def active_on(self, on: dt.date) -> ClassificationQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def current(self, on: dt.date) -> ClassificationQuerySet:
        """Facts that hold on `on` ("holds now"): a yearly fact (四上, 规下抽样) of that year or, until the new list
        is imported early in the year, of the year before; a dated fact whose validity covers the day.
        `Classification.holds_on` is the same rule for one row."""
        yearly = Q(kind__in=Classification.YEARLY_KINDS, year__in=(on.year, on.year - 1))
        dated = (~Q(kind__in=Classification.YEARLY_KINDS)
                 & (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
                 & (Q(valid_to__isnull=True) | Q(valid_to__gte=on)))
        return self.filter(yearly | dated)

    def in_year(self, year: int) -> ClassificationQuerySet:
        """Facts of that year: a yearly fact with that year, or a dated fact overlapping it."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        yearly = Q(year=year)
        dated = Q(year__isnull=True) & (Q(valid_from__isnull=True) | Q(valid_from__lte=end)) & (
            Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        )
        return self.filter(yearly | dated)


class Classification(models.Model):
    """One dated fact about a firm. `kind` says what, `category` which variety, `year` or the validity period when.

    - sishang (四上): category ∈ SishangCategory, year = the statistical year;
    - zjtx (专精特新): category ∈ ZjtxTier, year = year recognised, valid_from/valid_to the validity;
    - gaoxin (国家高新技术企业): certificate_no, valid_from/valid_to (3 years);
    - listed (上市): exchange + stock_code, valid_from = listing date;
    - preipo (拟上市服务清单), pool (培育库, category = the pool): valid_from = entry, valid_to = exit, reason;
    - sampled (规下抽样): year.
    """

    class Kind(models.TextChoices):
        SISHANG = "sishang", _("四上企业")
        ZJTX = "zjtx", _("专精特新")
        GAOXIN = "gaoxin", _("国家高新技术企业")
        LISTED = "listed", _("上市公司")
        PREIPO = "preipo", _("拟上市企业")
        SAMPLED = "sampled", _("规下抽样")
        POOL = "pool", _("培育库")

    class SishangCategory(models.TextChoices):
        INDUSTRY = "industry", _("规模以上工业")
        CONSTRUCTION = "construction", _("有资质的建筑业")
        WHOLESALE = "wholesale", _("限额以上批发业")
        RETAIL = "retail", _("限额以上零售业")
        ACCOMMODATION = "accommodation", _("限额以上住宿业")
        CATERING = "catering", _("限额以上餐饮业")
        SERVICES = "services", _("规模以上服务业")
        REAL_ESTATE = "real_estate", _("房地产开发经营")

    class ZjtxTier(models.TextChoices):
        # 市级 and 省级 are separate recognitions with separate targets (a street's 市级"专精特新"30家).
        INNOVATIVE = "innovative", _("创新型中小企业")
        MUNICIPAL = "municipal", _("市级专精特新中小企业")
        PROVINCIAL = "provincial", _("省级专精特新中小企业")
        LITTLE_GIANT = "little_giant", _("国家级专精特新“小巨人”")

    class Pool(models.TextChoices):
        QUALITY_SME = "quality_sme", _("优质中小企业储备池")
        SISHANG_CANDIDATE = "sishang_candidate", _("“四上”企业培育库（小升规）")
        ZJTX_CANDIDATE = "zjtx_candidate", _("专精特新培育库")
        GIANT_CANDIDATE = "giant_candidate", _("小巨人培育库")

    class IpoStage(models.TextChoices):
        """The stage of a 拟上市 firm, kept in `category` of its preipo fact."""

        RESTRUCTURING = "restructuring", _("股改")
        TUTORING = "tutoring", _("辅导")
        FILED = "filed", _("申报")
        APPROVED = "approved", _("过会")
        LISTED = "listed", _("上市")

    class Outcome(models.TextChoices):
        """How a pool or list membership ended (培育库 exits are counted by kind)."""

        GRADUATED = "graduated", _("已升规")
        REMOVED = "removed", _("移出")

    class Exchange(models.TextChoices):
        SSE = "SSE", _("上海证券交易所")
        SZSE = "SZSE", _("深圳证券交易所")
        BSE = "BSE", _("北京证券交易所")
        HKEX = "HKEX", _("香港联合交易所")
        NASDAQ = "NASDAQ", _("纳斯达克")
        NYSE = "NYSE", _("纽约证券交易所")
        OTHER = "OTHER", _("其他")

    #: Facts that hold for a statistical year (see ClassificationQuerySet.current / holds_on).
    YEARLY_KINDS = (Kind.SISHANG, Kind.SAMPLED)
    #: Facts that are one per (firm, kind[, tier], year): a name list of that year replaces them.
    PER_YEAR_KINDS = (Kind.SISHANG, Kind.SAMPLED, Kind.ZJTX)

    # Indexed by classification_ent_kind_idx (enterprise, kind).
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="classifications", db_index=False)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("细类/级别"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=40, blank=True)
    exchange = models.CharField(_("交易所"), max_length=8, choices=Exchange.choices, blank=True)
    stock_code = models.CharField(_("股票代码"), max_length=12, blank=True)
    reason = models.CharField(_("原因/备注"), max_length=200, blank=True)
    # Set when a pool membership ends: 已升规 (it appeared on the 四上 list) or 移出.
    # db_default: the name-list COPY and the benches write facts in raw SQL without naming this column.
    outcome = models.CharField(_("出库方式"), max_length=10, choices=Outcome.choices, blank=True, default="",
                               db_default="")
    # "import:<batch id>" or "manual"; the import app links back through it.
    source = models.CharField(_("来源"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ClassificationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("企业分类")
        verbose_name_plural = _("企业分类")
        ordering = ["kind", "-year", "-valid_from"]
        constraints = [
            # One 四上 category (and one 规下抽样 mark) per firm and year.
            models.UniqueConstraint(
                fields=["enterprise", "kind", "year"], condition=Q(kind__in=["sishang", "sampled"]),
                name="classification_one_per_year",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "kind", "category", "year"], condition=Q(kind="zjtx"),
                name="classification_zjtx_tier_year",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="classification_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "year", "category"], name="classification_kind_year_idx"),
            models.Index(fields=["enterprise", "kind"], name="classification_ent_kind_idx"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.category:
            label += f"·{self.category_label}"
        return f"{label} {self.year or ''}".strip()

    def holds_on(self, on: dt.date) -> bool:
        """Does this fact hold on `on`? The row-level twin of ClassificationQuerySet.current()."""
        if self.kind in self.YEARLY_KINDS:
            return self.year in (on.year, on.year - 1)
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)

    @property
    def category_label(self) -> str:
        for choices in (self.SishangCategory, self.ZjtxTier, self.Pool, self.IpoStage):
            if self.category in choices.values:
                return choices(self.category).label
        return self.category


class SishangThreshold(models.Model):
    """四上 thresholds as data by year: which industries, what minimum revenue (万元). Zero means "qualified"."""

    year = models.PositiveSmallIntegerField(_("适用年度起"))
    category = models.CharField(_("四上类别"), max_length=20, choices=Classification.SishangCategory.choices)
    # Comma-separated GB/T 4754 prefixes: sections ("B,C,D"), divisions ("51") or classes ("7010").
    industry_prefixes = models.CharField(_("行业代码前缀"), max_length=200)
    min_revenue = models.DecimalField(_("主营业务收入下限（万元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("四上标准")
        verbose_name_plural = _("四上标准")
        ordering = ["-year", "category", "industry_prefixes"]
        constraints = [
            models.UniqueConstraint(fields=["year", "category", "industry_prefixes"], name="threshold_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} {self.industry_prefixes} ≥{self.min_revenue}万元"


class AnnualFigure(models.Model):
    """A firm's figures for one year, mostly from the statistics bureau's lists."""

    # Indexed by annual_figure_unique (enterprise, year).
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="figures", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.DecimalField(_("营业收入（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    output_value = models.DecimalField(_("工业总产值（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人员（人）"), null=True, blank=True)
    tax = models.DecimalField(_("纳税额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = scoped_manager("enterprise__street")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("年度经营数据")
        verbose_name_plural = _("年度经营数据")
        ordering = ["enterprise", "-year"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="annual_figure_unique")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"



# ---------------------------------------------------------------------------------------------------------------
# Liaison service (挂点服务) and visits (走访)
# ---------------------------------------------------------------------------------------------------------------


class LiaisonQuerySet(ScopedQuerySet):
    street_field = "enterprise__street"

    def active_on(self, on: dt.date) -> LiaisonQuerySet:
        return self.filter(Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on)))


class LiaisonAssignment(models.Model):
    """One officer serving one firm in one role of the service team, for a period. Ending an assignment sets
    `end_date`; rows are never deleted, so "who served this firm in 2024" stays answerable."""

    class TeamRole(models.TextChoices):
        LEADER = "leader", _("处级领导")
        PARTY_SECRETARY = "party_secretary", _("社区党委书记")
        SAFETY_GRID = "safety_grid", _("安格员")
        GRID = "grid", _("网格员")
        SERVICE_OFFICER = "service_officer", _("企业服务专员")
        STATISTICIAN = "statistician", _("统计员")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="liaisons", verbose_name=_("企业")
    )
    officer = models.ForeignKey(
        "crm.User", on_delete=models.PROTECT, related_name="liaison_assignments", verbose_name=_("挂点人员")
    )
    team_role = models.CharField(
        _("服务团队角色"), max_length=20, choices=TeamRole.choices, default=TeamRole.SERVICE_OFFICER
    )
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Set on the rows a park's responsible officer (Park.officer) holds for its tenants: created and ended by
    # enterprises.services.liaison.sync_park_liaisons when the park changes officer or a firm moves in or out.
    # Hand-made assignments leave it empty and are never ended by that sync. Indexed only where set and open.
    via_park = models.ForeignKey(
        Park, on_delete=models.SET_NULL, null=True, blank=True, related_name="park_liaisons", db_index=False,
        verbose_name=_("随园区指派"),
    )
    created_by = models.ForeignKey(
        "crm.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LiaisonQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("挂点服务")
        verbose_name_plural = _("挂点服务")
        ordering = ["enterprise", "team_role", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="liaison_period_ordered",
            ),
            # One open assignment per (firm, officer, role): re-assigning the same person is a no-op.
            models.UniqueConstraint(
                fields=["enterprise", "officer", "team_role"], condition=Q(end_date__isnull=True),
                name="liaison_one_open_per_role",
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "end_date"], name="liaison_officer_idx"),
            models.Index(fields=["enterprise", "end_date"], name="liaison_enterprise_idx"),
            models.Index(fields=["via_park"], condition=Q(via_park__isnull=False, end_date__isnull=True),
                         name="liaison_open_via_park_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_team_role_display()} · {self.officer}"

    def is_active_on(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class VisitCampaignQuerySet(ScopedQuerySet):
    street_field = "street"
    district_rows_shared = True  # a district-wide row (no street) is every street's too


class VisitCampaign(models.Model):
    """A visiting campaign (e.g. 营商环境服务周, 万名干部助企行) that groups visits and has its own totals."""

    name = models.CharField(_("活动名称"), max_length=100)
    street = models.ForeignKey(
        "crm.Street", on_delete=models.PROTECT, null=True, blank=True, related_name="visit_campaigns",
        verbose_name=_("街道"), help_text=_("留空表示全区活动"),
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = VisitCampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("走访活动")
        verbose_name_plural = _("走访活动")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="campaign_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class VisitTopic(models.TextChoices):
    BUSINESS = "business", _("经营")
    LABOUR = "labour", _("用工")
    SPACE = "space", _("用地/厂房")
    PURCHASING = "purchasing", _("采购")
    FINANCE = "finance", _("融资")
    POLICY = "policy", _("政策")
    SAFETY = "safety", _("安全")
    OTHER = "other", _("其他")


class Visit(models.Model):
    """A visit (走访) to a firm: who went, who was met, what was discussed, what problems were found."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="visits", verbose_name=_("企业"))
    date = models.DateField(_("走访日期"), default=timezone.localdate)
    officers = models.ManyToManyField("crm.User", related_name="visits", verbose_name=_("走访人员"))
    people_met = models.CharField(_("接待人员"), max_length=200, blank=True)
    # Codes of VisitTopic; a JSON list so the same column works on PostgreSQL and SQLite.
    topics = models.JSONField(_("走访内容"), default=list, blank=True)
    notes = models.TextField(_("走访记录"), blank=True)
    campaign = models.ForeignKey(
        VisitCampaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits",
        verbose_name=_("所属活动"),
    )
    created_by = models.ForeignKey(
        "crm.User", on_delete=models.PROTECT, related_name="visits_logged", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = scoped_manager("enterprise__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["enterprise", "-date"], name="visit_enterprise_date_idx"),
            models.Index(fields=["-date", "-id"], name="visit_date_idx"),
            models.Index(fields=["campaign", "date"], name="visit_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.enterprise}"

    @property
    def topic_labels(self) -> list[str]:
        return [VisitTopic(t).label for t in self.topics if t in VisitTopic.values]


def visit_attachment_path(instance: VisitAttachment, filename: str) -> str:
    return f"visits/{instance.visit.date:%Y/%m}/{instance.visit_id}/{filename}"


class VisitAttachment(models.Model):
    """A photo or document of a visit, served only through a scoped download view."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=visit_attachment_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    # The type sniffed from the content (crm.uploads.content_type_for), never the browser's claimed type.
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey("crm.User", on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = scoped_manager("visit__enterprise__street")

    class Meta:
        verbose_name = _("走访附件")
        verbose_name_plural = _("走访附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def is_image(self) -> bool:
        """Shown as a thumbnail only when the sniffed type is an allowed raster image (no SVG)."""
        from crm.uploads import INLINE_IMAGE_TYPES

        return self.content_type in INLINE_IMAGE_TYPES.values()


class VisitProblem(models.Model):
    """A problem found on a visit. The appeals app turns it into an appeal (Appeal has a OneToOne to this row);
    this app never imports appeals except lazily in services.visits.raise_appeal_from_problem."""

    class Category(models.TextChoices):
        SPACE = "space", _("产业用房/厂房")
        HOUSING = "housing", _("住房")
        EDUCATION = "education", _("子女教育")
        TRANSPORT = "transport", _("交通")
        LABOUR = "labour", _("招工用工")
        UTILITIES = "utilities", _("用水用电")
        FINANCE = "finance", _("融资")
        POLICY = "policy", _("政策咨询")
        SAFETY = "safety", _("安全/执法")
        OTHER = "other", _("其他")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="problems", verbose_name=_("走访记录"))
    description = models.TextField(_("问题描述"))
    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices, default=Category.OTHER)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = scoped_manager("visit__enterprise__street")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("走访发现问题")
        verbose_name_plural = _("走访发现问题")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description[:40]


class VisitRuleQuerySet(ScopedQuerySet):
    def rules_for(self, street_id: int | None) -> dict[str, VisitRule]:
        """Active rules by kind: the street's own rule overrides the district default (street empty)."""
        rules: dict[str, VisitRule] = {}
        # NULL (the default) sorts last on PostgreSQL, first on SQLite: decide explicitly below.
        for rule in self.filter(is_active=True).filter(Q(street__isnull=True) | Q(street_id=street_id)) \
                .order_by("street_id"):
            if rule.kind not in rules or rule.street_id is not None:
                rules[rule.kind] = rule
        return rules


class VisitRule(models.Model):
    """How often firms of a kind should be visited, and how many different visitors in 30 days is too many.

    `kind` is a Classification.Kind (the firm's current classification) or "assigned" for any firm with an
    active liaison. A street's own rule overrides the district default (street empty). When several rules apply
    to one firm the shortest interval and the lowest ceiling win.
    """

    ASSIGNED = "assigned"
    KIND_CHOICES = [*Classification.Kind.choices, (ASSIGNED, _("所有挂点企业"))]

    street = models.ForeignKey(
        "crm.Street", on_delete=models.CASCADE, null=True, blank=True, related_name="visit_rules",
        verbose_name=_("街道"), help_text=_("留空表示全区默认"),
    )
    kind = models.CharField(_("企业类别"), max_length=10, choices=KIND_CHOICES)
    min_interval_days = models.PositiveSmallIntegerField(_("至少每 N 天走访一次"), default=90)
    max_visitors_30d = models.PositiveSmallIntegerField(_("30 天内不同走访人上限"), default=3)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = VisitRuleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("走访规则")
        verbose_name_plural = _("走访规则")
        ordering = ["street", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["street", "kind"], name="visit_rule_unique_street_kind"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(street__isnull=True), name="visit_rule_unique_default_kind"
            ),
            models.CheckConstraint(condition=Q(min_interval_days__gte=1), name="visit_rule_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.street or _('全区')} {self.get_kind_display()} ≤{self.min_interval_days}天"
