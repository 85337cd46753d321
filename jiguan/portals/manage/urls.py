"""The management portal (管理入口) at /manage/: its own pages, then each module's pages at /manage/<code>/.

The URL names used by ``jiguan/core/module.py``'s menu (``manage:units`` …) are a contract. A module's
pages are mounted under the namespace of its code (``manage:<code>:<name>``), each wrapped with the
portal gate and the module's enablement for the user's region.
"""

from importlib import import_module

from django.urls import include, path

from jiguan.core.registry import registry

from .access import guard_module_urls
from .pickers import picker_search
from .views import accounts, approvals, audit, events, home, org, system

app_name = "manage"

urlpatterns = [
    path("", home.home, name="home"),
    path("picker/<str:kind>/", picker_search, name="picker"),
    # Work
    path("approvals/", approvals.inbox, name="approvals"),
    path("approvals/decided/", approvals.decided, name="approvals_decided"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval"),
    path("approvals/<int:pk>/decide/", approvals.approval_decide, name="approval_decide"),
    path("events/", events.event_list, name="events"),
    path("events/<int:pk>/", events.event_detail, name="event"),
    path("events/<int:pk>/<slug:action>/", events.event_action, name="event_action"),
    # Organisation
    path("regions/", org.region_tree, name="regions"),
    path("units/", org.unit_list, name="units"),
    path("units/new/", org.unit_create, name="unit_create"),
    path("units/<int:pk>/", org.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", org.unit_edit, name="unit_edit"),
    path("units/<int:pk>/active/", org.unit_set_active, name="unit_active"),
    path("units/<int:pk>/departments/", org.department_create, name="department_create"),
    path("people/", org.person_list, name="people"),
    path("people/new/", org.person_create, name="person_create"),
    path("people/<int:pk>/edit/", org.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", org.person_reveal, name="person_reveal"),
    # Accounts and roles
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account"),
    path("accounts/<int:pk>/active/", accounts.account_set_active, name="account_active"),
    path("accounts/<int:pk>/password/", accounts.account_reset_password, name="account_password"),
    path("accounts/<int:pk>/unlock/", accounts.account_unlock, name="account_unlock"),
    path("accounts/<int:pk>/second-factor/reset/", accounts.account_reset_second_factor,
         name="account_reset_second_factor"),
    path("accounts/<int:pk>/grants/", accounts.account_grant, name="account_grant"),
    path("accounts/<int:pk>/grants/<int:assignment_pk>/revoke/", accounts.account_revoke, name="account_revoke"),
    path("roles/", accounts.role_list, name="roles"),
    path("roles/new/", accounts.role_create, name="role_create"),
    path("roles/<int:pk>/edit/", accounts.role_edit, name="role_edit"),
    # Platform configuration
    path("modules/", system.module_matrix, name="modules"),
    path("modules/toggle/", system.module_toggle, name="module_toggle"),
    path("flows/", system.flow_list, name="flows"),
    path("flows/new/", system.flow_create, name="flow_create"),
    path("flows/<int:pk>/edit/", system.flow_edit, name="flow_edit"),
    path("dictionaries/", system.dictionary_list, name="dictionaries"),
    path("dictionaries/<slug:code>/", system.dictionary_detail, name="dictionary"),
    path("dictionaries/<slug:code>/items/", system.dictionary_item_create, name="dictionary_item_create"),
    path("dictionaries/<slug:code>/items/<int:pk>/", system.dictionary_item_edit, name="dictionary_item"),
    path("notices/", system.notice_list, name="notices"),
    path("notices/new/", system.notice_create, name="notice_create"),
    path("notices/<int:pk>/withdraw/", system.notice_withdraw, name="notice_withdraw"),
    path("jobs/", system.job_list, name="jobs"),
    path("jobs/<str:name>/run/", system.job_run, name="job_run"),
    # Audit (read-only)
    path("audit/changes/", audit.change_log, name="audit_changes"),
    path("audit/logins/", audit.login_log, name="audit_logins"),
    path("audit/access/", audit.access_log, name="audit_access"),
    path("audit/verify/", audit.verify, name="audit_verify"),
]

for spec in registry:
    if spec.manage_urls:
        module_patterns = guard_module_urls(list(import_module(spec.manage_urls).urlpatterns), spec)
        urlpatterns.append(path(f"{spec.code}/", include((module_patterns, spec.code))))
