"""Attachments: size, type and actual content are checked before anything is stored; every file is
checksummed (SHA-256) and stored under a generated name, never the uploader's."""

from __future__ import annotations

import codecs
import hashlib
import uuid
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..errors import NotAllowed
from ..models import Attachment, OrgUnit
from .common import subject_reference, use_case
from .inputs import Errors

# How each allowed type's content must begin (magic bytes), or which member its ZIP container must hold.
SIGNATURES = {
    ".pdf": b"%PDF-",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}
ZIP_MEMBERS = {".xlsx": "[Content_Types].xml", ".docx": "[Content_Types].xml", ".ofd": "OFD.xml"}
TEXT_TYPES = {".txt"}
MAX_NAME = 200


@use_case
def save_attachment(user, uploaded_file, *, subject=None, unit: OrgUnit | None = None) -> Attachment:
    """Store an uploaded file for ``subject`` (a saved object), filed under ``unit`` (default: the user's)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(_("Please log in first."))
    name = PurePath((uploaded_file.name or "").replace("\\", "/")).name.strip()
    extension = PurePath(name).suffix.lower()
    errors = Errors()
    _check_file(errors, uploaded_file, name, extension)
    errors.raise_if_any()
    unit = unit or user.unit
    attachment = Attachment(
        original_name=_shorten(name, extension), size=uploaded_file.size,
        mime_type=settings.ATTACHMENT_TYPES[extension], sha256=_sha256(uploaded_file), uploaded_by=user,
        unit=unit, org_path=unit.org_path if unit else user.org_path,
    )
    if subject is not None:
        attachment.subject_type, attachment.subject_id = subject_reference(subject)
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", uploaded_file, save=False)
    attachment.save()
    return attachment


def attachments_of(subject):
    """The files stored for ``subject``, oldest first. The caller has checked the subject is visible."""
    subject_type, subject_id = subject_reference(subject)
    return Attachment.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by("pk")


def _check_file(errors: Errors, upload, name: str, extension: str) -> None:
    allowed = settings.ATTACHMENT_TYPES
    if extension not in allowed:
        errors.add("file", _("Files of type “%(ext)s” cannot be uploaded; allowed types: %(allowed)s.")
                   % {"ext": extension or name, "allowed": "、".join(allowed)})
    elif not upload.size:
        errors.add("file", _("The file “%(name)s” is empty.") % {"name": name})
    elif upload.size > settings.ATTACHMENT_MAX_BYTES:
        errors.add("file", _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
                   % {"name": name, "size": filesizeformat(upload.size),
                      "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)})
    elif not content_matches(upload, extension):
        errors.add("file",
                   _("The content of “%(name)s” is not a real %(ext)s file.") % {"name": name, "ext": extension})


def content_matches(upload, extension: str) -> bool:
    """Does the content really have the type its name claims? Types with no known check are refused."""
    upload.seek(0)
    try:
        if extension in SIGNATURES:
            return upload.read(len(SIGNATURES[extension])) == SIGNATURES[extension]
        if extension in ZIP_MEMBERS:
            return _zip_holds(upload, ZIP_MEMBERS[extension])
        if extension in TEXT_TYPES:
            return _is_utf8_text(upload)
        return False
    finally:
        upload.seek(0)


def _zip_holds(upload, member: str) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def _is_utf8_text(upload) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _shorten(name: str, extension: str) -> str:
    """Keep the shown name within the column, extension intact."""
    if len(name) <= MAX_NAME:
        return name
    return name[: MAX_NAME - len(extension)] + extension
