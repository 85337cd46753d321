"""Kernel models. Every model declares its data scope (``scope``) or that it is public; see scoping.py."""

from .accounts import Account, ApiToken, LoginLog, Role, RoleAssignment
from .approvals import ApprovalAction, ApprovalFlow, ApprovalRequest, ApprovalStep
from .audit import AccessLog, AuditChainHead, AuditLog
from .base import TimelineEntry
from .content import Attachment, CostEntry, Dictionary, DictionaryItem, Notice
from .events import Event
from .notifications import Notification
from .org import ModuleEnablement, OrgUnit, Person, Rank, Region
from .system import JobSchedule, WorkerHeartbeat

__all__ = [
    "AccessLog",
    "Account",
    "ApiToken",
    "ApprovalAction",
    "ApprovalFlow",
    "ApprovalRequest",
    "ApprovalStep",
    "Attachment",
    "AuditChainHead",
    "AuditLog",
    "CostEntry",
    "Dictionary",
    "DictionaryItem",
    "Event",
    "JobSchedule",
    "LoginLog",
    "ModuleEnablement",
    "Notice",
    "Notification",
    "OrgUnit",
    "Person",
    "Rank",
    "Region",
    "Role",
    "RoleAssignment",
    "TimelineEntry",
    "WorkerHeartbeat",
]
