"""Attachments: allowed types only, content must match the name, size limit, checksum, generated storage name."""

import hashlib
import io
import zipfile

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import Attachment
from jiguan.core.services.attachments import save_attachment
from jiguan.core.testing import make_account, make_unit

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def zipped(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def staff():
    return make_account(roles=("staff",), unit=make_unit("360100"))


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("name, content", [
    ("报告.pdf", b"%PDF-1.7\n%...\n"),
    ("照片.PNG", PNG),
    ("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
    ("台账.xlsx", zipped("[Content_Types].xml")),
    ("方案.docx", zipped("[Content_Types].xml")),
    ("公文.ofd", zipped("OFD.xml")),
    ("说明.txt", "会议纪要:第三季度用房调整。".encode()),
])
def test_allowed_files_are_stored_with_checksum(staff, name, content):
    attachment = save_attachment(staff, upload(name, content), subject=staff.unit)
    assert attachment.original_name == name and attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.org_path == staff.unit.org_path and attachment.subject == staff.unit
    assert name not in attachment.file.name  # stored under a generated name
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize("name, content, fragment", [
    ("setup.exe", b"MZ\x90\x00", "允许的类型"),
    ("假的.pdf", PNG, "不符"),
    ("乱码.txt", "机关事务".encode("gbk"), "不符"),
    ("二进制.txt", b"abc\x00def", "不符"),
    ("不是文档.docx", zipped("word.xml"), "不符"),
    ("坏压缩包.xlsx", b"PK\x03\x04broken", "不符"),
    ("空.pdf", b"", "为空"),
])
def test_refused_files_leave_nothing(staff, name, content, fragment):
    with pytest.raises(ValidationFailed) as excinfo:
        save_attachment(staff, upload(name, content))
    assert fragment in excinfo.value.errors["file"][0]
    assert not Attachment.objects.exists()


def test_size_limit_is_named(staff, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as excinfo:
        save_attachment(staff, upload("大文件.pdf", b"%PDF-" + b"0" * 2048))
    assert "1.0" in excinfo.value.errors["file"][0] and "上限" in excinfo.value.errors["file"][0]


def test_path_in_the_name_is_dropped(staff):
    attachment = save_attachment(staff, upload("..\\..\\etc\\通知.pdf", b"%PDF-1.4"))
    assert attachment.original_name == "通知.pdf"


def test_login_required():
    with pytest.raises(NotAllowed):
        save_attachment(AnonymousUser(), upload("a.pdf", b"%PDF-1.4"))
