"""The permission matrix, written as data and checked against every URL of the app.

Three tables:
- URL_RULES: every named URL (enumerated from the URL conf) → which kind of object it shows or changes, which
  action, which HTTP method. A URL with no rule fails `test_every_url_has_a_rule`, telling the developer to add
  one (or an exclusion with its reason in tests/trust/urlconf.py).
- MATRIX: (kind, action) → for each role, the outcome for an object in the user's own scope and for one outside
  it (another street's firm, another department's appeal, somebody else's notification…).
- PUBLIC: the URLs anonymous visitors may open.

Outcomes: OK (the page answers; a list/search/export SHOWS the row), FORBIDDEN (403: the role may not do this
at all) and HIDDEN (404 for a URL naming the object — guessing the URL gives nothing —, or absent from a
list/search/export). Own-scope users live in 马田, other-scope objects in 玉塘.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Role
from tests.trust.urlconf import checked_routes
from tests.trust.world import BUILDERS, MARKER, World

OK, FORBIDDEN, HIDDEN = "ok", "403", "hidden"
O, S, M, D, A = Role.OFFICER, Role.STATISTICIAN, Role.MANAGER, Role.DEPARTMENT, Role.ADMIN
ROLES = (O, S, M, D, A)


@dataclass(frozen=True)
class Rule:
    kind: str  # a key of tests.trust.world.BUILDERS ("none": the page names no object)
    action: str  # read, list, search, export, create, edit, delete, act
    method: str = "GET"
    query: dict = field(default_factory=dict)
    # URL kwarg → how to get it from the object; default {"pk": obj.pk}
    kwargs: dict[str, Callable] | None = None


SEARCH = {"q": MARKER}
OWN_STREET = {"street": lambda world, obj: world.own_street.pk}


def PK(obj):
    return obj.pk

# fmt: off
URL_RULES: dict[str, Rule] = {
    # crm shell
    "home":                         Rule("none", "read"),
    "healthz":                      Rule("public", "read"),
    "robots.txt":                   Rule("public", "read"),
    "notifications:inbox":          Rule("notification", "list"),
    "notifications:open":           Rule("notification", "read"),
    "notifications:mark_read":      Rule("none", "act", "POST"),
    "calendar:index":               Rule("calendar", "read"),
    "calendar:day_save":            Rule("calendar", "edit", "POST"),
    "calendar:year_save":           Rule("calendar", "edit", "POST"),
    "calendar:schedule":            Rule("calendar", "edit", "POST"),
    "calendar:day_delete":          Rule("calendar_day", "delete", "POST"),
    # enterprises
    "enterprises:list":             Rule("enterprise", "search", query=SEARCH),
    "enterprises:autocomplete":     Rule("enterprise", "search", query=SEARCH),
    "enterprises:export":           Rule("enterprise", "export", query=SEARCH),
    "enterprises:detail":           Rule("enterprise", "read"),
    "enterprises:history":          Rule("enterprise", "read"),
    "enterprises:edit":             Rule("enterprise", "edit"),
    "enterprises:create":           Rule("enterprise_form", "create"),
    "enterprises:visit_list":       Rule("visit", "list"),
    "enterprises:visit_detail":     Rule("visit", "read"),
    "enterprises:visit_create":     Rule("visit_form", "create"),
    "enterprises:attachment":       Rule("attachment", "read"),
    "enterprises:problem_appeal":   Rule("problem", "act", "POST"),
    "enterprises:coverage":         Rule("coverage", "read"),
    "enterprises:due_visits":       Rule("visit_form", "create"),
    "enterprises:campaign_list":    Rule("campaign", "list"),
    "enterprises:campaign_detail":  Rule("campaign", "read"),
    "enterprises:assign":           Rule("liaison_form", "create"),
    "enterprises:liaison_end":      Rule("liaison", "edit", "POST"),
    "enterprises:classification_add": Rule("enterprise", "edit"),
    "enterprises:classification_end": Rule("classification", "edit", "POST"),
    "enterprises:classification_stage": Rule("classification", "edit", "POST"),
    "enterprises:pool_report":      Rule("pool_report", "read"),
    "enterprises:contact_add":      Rule("enterprise", "contact"),
    "enterprises:contact_edit":     Rule("contact", "edit", kwargs={"pk": lambda o: o.enterprise_id,
                                                                    "contact_pk": lambda o: o.pk}),
    "enterprises:visit_rules":      Rule("management", "read"),
    # appeals
    "appeals:list":                 Rule("appeal", "search", query=SEARCH),
    "appeals:detail":               Rule("appeal", "read"),
    "appeals:action":               Rule("appeal", "act", "POST", kwargs={"pk": PK, "action": lambda o: "sign"}),
    "appeals:attachment":           Rule("appeal_attachment", "read"),
    "appeals:create":               Rule("appeal_form", "create"),
    "appeals:queue":                Rule("transferred_appeal", "list"),
    "appeals:extensions":           Rule("extension", "list"),
    "appeals:dashboard":            Rule("management", "read"),
    "appeals:moved":                Rule("management", "read"),
    "appeals:policies":             Rule("management", "read"),
    "appeals:recompute":            Rule("management", "read"),
    # namelists
    "namelists:index":              Rule("import_batch", "list"),
    "namelists:detail":             Rule("import_batch", "read"),
    "namelists:progress":           Rule("import_batch", "read"),
    "namelists:report":             Rule("import_batch", "read"),
    "namelists:mapping":            Rule("import_batch", "edit", "POST"),
    "namelists:commit":             Rule("import_batch", "edit", "POST"),
    "namelists:upload":             Rule("import_form", "create"),
    # pipelines (district-wide users pick the street to show with ?street=)
    "pipelines:board":              Rule("project", "list", query=OWN_STREET),
    "pipelines:project_list":       Rule("project", "search", query={**OWN_STREET, **SEARCH}),
    "pipelines:project_detail":     Rule("project", "read"),
    "pipelines:project_edit":       Rule("project", "edit"),
    "pipelines:project_move":       Rule("project", "edit", "POST"),
    "pipelines:project_demand_create": Rule("project", "edit"),
    "pipelines:project_create":     Rule("pipeline_form", "create"),
    "pipelines:enterprise_demand_create": Rule("enterprise", "demand", query={"enterprise": lambda world, obj: obj.pk}),
    "pipelines:vacancy_import":     Rule("pipeline_form", "create"),
    "pipelines:event_create":       Rule("pipeline_form", "create"),
    "pipelines:vacancy_list":       Rule("vacancy", "list", query=OWN_STREET),
    "pipelines:vacancy_status":     Rule("vacancy", "edit", "POST"),
    "pipelines:demand_matches":     Rule("demand", "read"),
    "pipelines:demand_take":        Rule("demand", "edit", "POST", kwargs={"pk": PK, "vacancy_pk": lambda o: o._vacancy.pk}),
    "pipelines:event_list":         Rule("event", "list", query=OWN_STREET),
    "pipelines:event_detail":       Rule("event", "read"),
    "pipelines:event_edit":         Rule("event", "edit"),
    "pipelines:event_participant":  Rule("event", "edit", "POST"),
    "pipelines:targets":            Rule("target_form", "create"),
    "pipelines:target_edit":        Rule("target", "edit"),
    "pipelines:drilldown":          Rule("target", "read"),
    "pipelines:dashboard":          Rule("pipeline_dashboard", "read"),
    "pipelines:export":             Rule("pipeline_dashboard", "read"),
    # economy (district users and admins pick the street with ?street=CODE)
    "economy:street":               Rule("economy_page", "read"),
    "economy:export":               Rule("economy_page", "read"),
    "economy:firms":                Rule("monthly_figure", "list"),
    "economy:groups":               Rule("economy_page", "read"),
    "economy:district":             Rule("economy_district", "read"),
    "economy:upload":               Rule("monthly_import_form", "create"),
    # policies (惠企政策)
    "policies:list":                Rule("policy", "search", query=SEARCH),
    "policies:detail":              Rule("policy", "read"),
    "policies:matched":             Rule("policy", "read"),
    "policies:dashboard":           Rule("policy", "read"),
    "policies:edit":                Rule("policy", "edit"),
    "policies:push":                Rule("policy", "push", "POST"),
    "policies:import":              Rule("policy", "import"),
    "policies:create":              Rule("policy_form", "create"),
    "policies:editor":              Rule("policy_form", "create", "POST"),
    "policies:import_detail":       Rule("policy_import", "read"),
    "policies:attachment":          Rule("policy_attachment", "read"),
    "policies:deliveries":          Rule("delivery", "list", query={"mine": "0"}),
    "policies:delivery":            Rule("delivery", "read"),
    "policies:amounts":             Rule("policy_amounts", "read"),
    "policies:export":              Rule("policy_amounts", "read"),
    # space (产业空间与固投)
    "space:park_list":              Rule("park", "list"),
    "space:park_detail":            Rule("park", "read"),
    "space:park_edit":              Rule("park", "edit"),
    "space:park_import":            Rule("pipeline_form", "create"),
    "space:rule_edit":              Rule("target_form", "create"),
    "space:investment_list":        Rule("pipeline_dashboard", "read"),
    "space:investment_import":      Rule("space_statistics_form", "create"),
    "space:park_map":               Rule("pipeline_dashboard", "read"),
    "space:outline_upload":         Rule("space_admin_form", "create"),
    "space:renewal_list":           Rule("pipeline_dashboard", "read"),
    "space:investment_create":      Rule("space_investment_form", "create"),
    "space:investment_edit":        Rule("space_investment", "edit"),
    "space:renewal_create":         Rule("pipeline_form", "create"),
    "space:renewal_edit":           Rule("renewal", "edit"),
    "space:milestone_create":       Rule("renewal", "edit"),
    "space:milestone_edit":         Rule("renewal_milestone", "edit"),
    # matchmaking (产销/金融对接)
    "matchmaking:need_list":        Rule("mm_need", "list"),
    "matchmaking:need_detail":      Rule("mm_need", "read"),
    "matchmaking:need_status":      Rule("mm_need", "edit", "POST"),
    "matchmaking:introduce":        Rule("mm_need", "edit", "POST"),
    "matchmaking:invite":           Rule("mm_need", "edit", "POST"),
    "matchmaking:firm":             Rule("enterprise", "read"),
    "matchmaking:need_create":      Rule("enterprise", "demand"),
    "matchmaking:product_create":   Rule("enterprise", "demand"),
    "matchmaking:product_buyers":   Rule("mm_product", "read"),
    "matchmaking:introduce_buyer":  Rule("mm_product", "edit", "POST"),
    "matchmaking:intro_outcome":    Rule("mm_intro", "edit", "POST"),
    "matchmaking:intro_follow_up":  Rule("mm_intro", "edit", "POST"),
    "matchmaking:event_outcomes":   Rule("mm_event", "read"),
    "matchmaking:event_attendance": Rule("mm_event", "edit", "POST"),
    "matchmaking:report":           Rule("mm_report", "read"),
    "matchmaking:report_export":    Rule("mm_report", "read"),
    "matchmaking:fp_list":          Rule("mm_fp_form", "read"),
    "matchmaking:fp_create":        Rule("mm_fp_form", "read"),
    "matchmaking:fp_edit":          Rule("mm_fp", "edit"),
}

# (kind, action) → {role: (own scope, other scope)}
MATRIX: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    #                                  officer          statistician      manager           department         admin
    ("none", "read"):            {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (OK, OK),       A: (OK, OK)},
    ("none", "act"):             {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (OK, OK),       A: (OK, OK)},
    ("public", "read"):          {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (OK, OK),       A: (OK, OK)},
    ("notification", "list"):    {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, HIDDEN)},
    ("notification", "read"):    {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, HIDDEN)},
    ("calendar", "read"):        {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("calendar", "edit"):        {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("calendar_day", "delete"):  {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 企业库: the office roles see their street, the administrator the district; departments see no registry.
    ("enterprise", "search"):    {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise", "export"):    {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise", "read"):      {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise", "edit"):      {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise_form", "create"): {O: (FORBIDDEN,)*2, S: (OK, OK),    M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("visit", "list"):           {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("visit", "read"):           {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("visit_form", "create"):    {O: (OK, OK),       S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("attachment", "read"):      {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("problem", "act"):          {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("coverage", "read"):        {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("pool_report", "read"):     {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("campaign", "list"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("campaign", "read"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("liaison_form", "create"):  {O: (FORBIDDEN,)*2, S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("classification", "edit"):  {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise", "contact"):   {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("contact", "edit"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("liaison", "edit"):         {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 诉求: street roles see their street; a department handler only what was sent to its department.
    ("appeal", "search"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, OK)},
    ("appeal", "read"):          {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, OK)},
    # (the action is 签收: a statistician or a department handler is refused it by the appeals action table;
    # every action × role is in tests/appeals/test_action_matrix.py)
    ("appeal", "act"):           {O: (OK, HIDDEN),   S: (FORBIDDEN, HIDDEN), M: (OK, HIDDEN), D: (FORBIDDEN, HIDDEN), A: (OK, OK)},
    ("appeal_attachment", "read"): {O: (OK, HIDDEN), S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, OK)},
    ("appeal_form", "create"):   {O: (OK, OK),       S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("transferred_appeal", "list"): {O: (OK, HIDDEN), S: (OK, HIDDEN), M: (OK, HIDDEN),  D: (OK, HIDDEN),   A: (OK, OK)},
    ("extension", "list"):       {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("management", "read"):      {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 名录导入 (the batch is a name list, 四上): statisticians import, managers watch; both only their street's
    # batches. Officers open the import pages for the park ledger (list kind "parks") but never see a name list
    # (404, absent from the history); managers import the park ledger and 固投 report, not name lists (403).
    ("import_batch", "list"):    {O: (HIDDEN,)*2,    S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("import_batch", "read"):    {O: (HIDDEN,)*2,    S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("import_batch", "edit"):    {O: (HIDDEN,)*2,    S: (OK, HIDDEN),  M: (FORBIDDEN, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("import_form", "create"):   {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    # The monthly figures' own upload page (economy): the statisticians' only.
    ("monthly_import_form", "create"): {O: (FORBIDDEN,)*2, S: (OK, OK), M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 招商: office roles read their street, officers and managers write, managers set targets.
    ("project", "list"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("project", "search"):       {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("project", "read"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("project", "edit"):         {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("pipeline_form", "create"): {O: (OK, OK),       S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("vacancy", "list"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("vacancy", "edit"):         {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("demand", "read"):          {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("demand", "edit"):          {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("event", "list"):           {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("enterprise", "demand"):    {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("event", "read"):           {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("event", "edit"):           {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("target_form", "create"):   {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("target", "edit"):          {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("target", "read"):          {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("pipeline_dashboard", "read"): {O: (OK, OK),    S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 经济运行: the street's office roles read their street's figures; the district view is the district's.
    ("economy_page", "read"):    {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("monthly_figure", "list"):  {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("economy_district", "read"): {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 惠企政策: every office role reads (a street's own policy only in that street); statisticians and managers
    # edit and import, managers push; departments see none of it.
    ("policy", "search"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy", "read"):          {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy", "edit"):          {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy", "push"):          {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy", "import"):        {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy_form", "create"):   {O: (FORBIDDEN,)*2, S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy_import", "read"):   {O: (FORBIDDEN,)*2, S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy_attachment", "read"): {O: (OK, HIDDEN), S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("delivery", "list"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("delivery", "read"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("policy_amounts", "read"):  {O: (OK, OK),       S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 产业空间: office roles read their street's parks; officers and managers keep the ledger; the statistician
    # imports the 固投 report; only the administrator uploads map outlines.
    ("park", "list"):            {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("park", "read"):            {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("park", "edit"):            {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("space_statistics_form", "create"): {O: (FORBIDDEN,)*2, S: (OK, OK), M: (OK, OK),   D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("space_admin_form", "create"): {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (FORBIDDEN,)*2, D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("space_investment_form", "create"): {O: (OK, OK), S: (OK, OK),   M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("space_investment", "edit"): {O: (OK, HIDDEN),  S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("renewal", "edit"):         {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("renewal_milestone", "edit"): {O: (OK, HIDDEN), S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 产销/金融对接: office roles read their street; officers and managers write; the report is for oversight.
    ("mm_need", "list"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_need", "read"):         {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_need", "edit"):         {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_product", "read"):      {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_product", "edit"):      {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_event", "read"):        {O: (OK, HIDDEN),   S: (OK, HIDDEN),  M: (OK, HIDDEN),  D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_event", "edit"):        {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_intro", "edit"):        {O: (OK, HIDDEN),   S: (FORBIDDEN,)*2, M: (OK, HIDDEN), D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_report", "read"):       {O: (FORBIDDEN,)*2, S: (OK, OK),      M: (OK, OK),      D: (FORBIDDEN,)*2, A: (OK, OK)},
    # 金融产品 are district-wide: managers and administrators keep them.
    ("mm_fp_form", "read"):      {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
    ("mm_fp", "edit"):           {O: (FORBIDDEN,)*2, S: (FORBIDDEN,)*2, M: (OK, OK),     D: (FORBIDDEN,)*2, A: (OK, OK)},
}
# fmt: on

# Kinds whose builder makes nothing: the page is a form or a dashboard; own/other makes no difference.
FORM_KINDS = {"none", "public", "calendar", "enterprise_form", "visit_form", "coverage", "liaison_form",
              "appeal_form", "management", "import_form", "monthly_import_form", "pipeline_form", "target_form", "pipeline_dashboard",
              "economy_page", "economy_district", "policy_form", "policy_amounts", "pool_report",
              "space_statistics_form", "space_admin_form", "mm_report", "mm_fp_form", "space_investment_form"}
COLLECTION_ACTIONS = {"list", "search", "export"}
ROUTES = checked_routes()


@pytest.fixture
def world(street, other_street, officer, statistician, manager, department_user, admin_user):
    from tests.crm.factories import DepartmentFactory

    users = {O: officer, S: statistician, M: manager, D: department_user, A: admin_user}
    return World(own_street=street, other_street=other_street, users=users,
                 other_department=DepartmentFactory(name="信任测试他部门"))


def _build(kind: str, world: World, user, relation: str):
    if kind in FORM_KINDS:
        return None
    return BUILDERS[kind](world, user, relation)


def _url(route, rule: Rule, obj) -> str:
    kwargs = {}
    for name in route.kwargs:
        getter = (rule.kwargs or {}).get(name) or (lambda o: o.pk)
        kwargs[name] = getter(obj)
    if ":" in route.key or route.key in {"home", "healthz"}:
        return reverse(route.key, kwargs=kwargs)
    return "/" + route.route


def _text_of(response) -> str:
    """The visible text of a page or a downloaded file (xlsx cells, csv, json)."""
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if content[:2] == b"PK":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
        return "\n".join(cells)
    text = content.decode("utf-8", errors="replace")
    if "\\u" in text:  # JSON with escaped Chinese
        import json

        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def _request(client: Client, method: str, url: str, query: dict, world: World | None = None, obj=None):
    if method == "POST":
        return client.post(url, {})
    return client.get(url, {k: (v(world, obj) if callable(v) else v) for k, v in query.items()})


def _status_outcome(response, method: str) -> str:
    code = response.status_code
    if code == 403:
        return FORBIDDEN
    if code == 404:
        return HIDDEN
    if code >= 500 or code == 405:
        return f"http {code}"
    if method == "GET" and code not in (200, 302):
        return f"http {code}"
    return OK


def test_every_url_has_a_rule():
    missing = [r for r in ROUTES if r.key not in URL_RULES]
    assert not missing, (
        "These URLs have no rule in the permission matrix. Add each to URL_RULES in "
        "tests/trust/test_permission_matrix.py (kind, action, method) and, for a new kind, a MATRIX row and a "
        "builder in tests/trust/world.py — or an exclusion with its reason in tests/trust/urlconf.py:\n  "
        + "\n  ".join(f"{r.key}  ({r.route})" for r in missing)
    )


def test_every_rule_names_a_real_url_and_a_matrix_row():
    keys = {r.key for r in ROUTES}
    stale = sorted(set(URL_RULES) - keys)
    assert not stale, f"rules for URLs that no longer exist: {stale}"
    no_row = sorted({(r.kind, r.action) for r in URL_RULES.values()} - set(MATRIX))
    assert not no_row, f"rules without a MATRIX row: {no_row}"
    for key, row in MATRIX.items():
        assert set(row) == set(ROLES), f"{key} must give an outcome for every role"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in URL_RULES], ids=lambda r: r.key)
def test_url_obeys_the_matrix(route, world, client):
    rule = URL_RULES[route.key]
    expected = MATRIX[(rule.kind, rule.action)]
    failures = []
    for role in ROLES:
        user = world.users[role]
        client.force_login(user)
        if rule.action in COLLECTION_ACTIONS:
            objs = {rel: _build(rule.kind, world, user, rel) for rel in ("own", "other")}
            response = _request(client, rule.method, _url(route, rule, None), rule.query, world)
            status = _status_outcome(response, rule.method)
            text = _text_of(response) if status == OK else ""
            for index, rel in enumerate(("own", "other")):
                want = expected[role][index]
                if status != OK:
                    got = status
                else:
                    got = OK if _marker_of(objs[rel]) in text else HIDDEN
                if got != want:
                    failures.append(f"{role:12} {rel:5}: expected {want}, got {got}")
        else:
            for index, rel in enumerate(("own", "other")):
                obj = _build(rule.kind, world, user, rel)
                if route.kwargs and obj is None:
                    pytest.fail(f"{route.key} takes {route.kwargs} but kind {rule.kind!r} builds no object")
                response = _request(client, rule.method, _url(route, rule, obj), rule.query, world, obj)
                got = _status_outcome(response, rule.method)
                want = expected[role][index]
                if got != want:
                    failures.append(f"{role:12} {rel:5}: expected {want}, got {got} ({response.status_code})")
        client.logout()
    assert not failures, f"{route.key} ({rule.method} /{route.route}) breaks the matrix:\n  " + "\n  ".join(failures)


def _marker_of(obj) -> str:
    if getattr(obj, "_marker", None):
        return obj._marker
    for attr in ("name", "title", "description", "notes", "key"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and MARKER in value:
            return value
    raise AssertionError(f"{obj!r} carries no marker")


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in URL_RULES], ids=lambda r: r.key)
def test_anonymous_visitors_are_sent_to_login(route, world, client):
    rule = URL_RULES[route.key]
    obj = _build(rule.kind, world, world.users[A], "own")
    response = _request(client, rule.method, _url(route, rule, obj), rule.query, world, obj)
    if rule.kind == "public":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, f"{route.key}: {response.status_code}"
        assert response.url.startswith(reverse("login")), response.url


# --- confidential projects: only the officer in charge, the team (专班) and street leadership -------------------
# (who, expected on the detail page, shown in the list)  — the project is in the users' own street.
CONFIDENTIAL = [
    ("officer_in_charge", OK),
    ("team_member", OK),
    ("other_officer_same_street", HIDDEN),
    ("statistician_same_street", HIDDEN),
    ("manager_same_street", OK),
    ("admin", OK),
    ("manager_other_street", HIDDEN),
]


@pytest.mark.parametrize("who, expected", CONFIDENTIAL)
def test_confidential_projects_only_their_team_and_managers(who, expected, world, client):
    from tests.crm.factories import TeamFactory, UserFactory
    from tests.pipelines.factories import ProjectFactory

    in_charge = UserFactory(role=O, street=world.own_street, username="in_charge")
    member = UserFactory(role=O, street=world.own_street, username="team_member")
    team = TeamFactory(street=world.own_street)
    team.members.add(member)
    project = ProjectFactory(street=world.own_street, officer=in_charge, team=team, confidential=True,
                             name=f"{MARKER}保密项目")
    users = {
        "officer_in_charge": in_charge, "team_member": member, "other_officer_same_street": world.users[O],
        "statistician_same_street": world.users[S], "manager_same_street": world.users[M], "admin": world.users[A],
        "manager_other_street": UserFactory(role=M, street=world.other_street, username="mgr_other"),
    }
    client.force_login(users[who])
    detail = client.get(reverse("pipelines:project_detail", args=[project.pk]))
    assert _status_outcome(detail, "GET") == expected
    listing = client.get(reverse("pipelines:project_list"), {"q": MARKER, "street": world.own_street.pk})
    board = client.get(reverse("pipelines:board"), {"street": world.own_street.pk})
    for page in (listing, board):
        assert page.status_code == 200
        assert (project.name in page.content.decode()) == (expected == OK)
    # Pages that name the project on another row (a reserved unit) name it, or say 保密项目 (issue 15 §4).
    from tests.pipelines.factories import ParkFactory, VacancyFactory

    VacancyFactory(park=ParkFactory(street=world.own_street), status="reserved", taken_by_project=project)
    units = client.get(reverse("pipelines:vacancy_list"), {"status": "reserved", "street": world.own_street.pk})
    masked = expected != OK and who != "manager_other_street"  # another street's units are not listed at all
    assert (project.name in units.content.decode()) == (expected == OK)
    assert (">保密项目<" in units.content.decode()) == masked  # the name itself ends in 保密项目


def test_a_street_user_cannot_pick_another_street_with_a_query_parameter(world, client):
    """?street= is for district-wide users; a 马田 officer asking for 玉塘 still gets 马田."""
    from tests.pipelines.factories import ProjectFactory

    theirs = ProjectFactory(street=world.other_street, name=f"{MARKER}玉塘项目")
    client.force_login(world.users[O])
    for name in ("pipelines:board", "pipelines:project_list", "pipelines:dashboard", "pipelines:event_list"):
        response = client.get(reverse(name), {"street": world.other_street.pk, "q": MARKER})
        assert response.status_code == 200, name
        assert theirs.name not in response.content.decode(), name
    export = client.get(reverse("pipelines:export"), {"street": world.other_street.pk})
    assert export.status_code == 200
    assert world.other_street.name not in _text_of(export)


def test_guessing_ids_of_another_street_gives_404_not_403(world, client):
    """A 404 does not even confirm that the firm/appeal/project exists."""
    firm = BUILDERS["enterprise"](world, world.users[O], "other")
    appeal = BUILDERS["appeal"](world, world.users[O], "other")
    project = BUILDERS["project"](world, world.users[O], "other")
    client.force_login(world.users[O])
    for url in (reverse("enterprises:detail", args=[firm.pk]), reverse("appeals:detail", args=[appeal.pk]),
                reverse("pipelines:project_detail", args=[project.pk]), reverse("enterprises:edit", args=[firm.pk])):
        response = client.get(url)
        assert response.status_code in (403, 404) and firm.name not in response.content.decode(), url
    for pk in (firm.pk, firm.pk + 1, 999999):
        assert client.get(reverse("enterprises:detail", args=[pk])).status_code == 404
