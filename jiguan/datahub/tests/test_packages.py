"""Packages between installations: the export of a finalised task (manifest, digests, signature) and the
import that verifies before writing — a valid package is published; a tampered (one byte of data changed),
unsigned, untrusted (unknown origin or another key) and replayed (same id or an older sequence) package is
refused with its reason recorded and nothing written. One database plays both installations: the export
is made as "province-36", the import as "national". The pipeline is ``FakeRuns`` (``Run`` rows created
directly, ``services.runs`` monkeypatched)."""

import base64
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from jiguan.core.errors import StateError, ValidationFailed
from jiguan.core.testing import make_unit
from jiguan.datahub.models import DatasetField, PackageImport, RollUp, Run
from jiguan.datahub.services import packages, reporting

from .test_reporting_world import FakeRuns, build_world, csv_upload, make_task, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db, settings):
    settings.DATAHUB_INSTALLATION_ID = "province-36"
    return build_world()


@pytest.fixture
def fake(monkeypatch):
    return FakeRuns(monkeypatch)


def finished_task(w, code="office-2026"):
    """Every unit accepted, the counties' roll-ups accepted, the city's finalised."""
    task = make_task(w, code=code)
    for account, unit, area in ((w.dh_fin_admin, w.dh_finance, 1000), (w.dh, w.dh_bureau, 300),
                                (w.xh_edu_admin, w.xh_education, 200), (w.xh, w.xh_bureau, 100),
                                (w.fin_admin, w.finance, 4000)):
        upload = csv_upload([row(unit.name, area, 5)])
        reporting.accept_submission(w.nc, reporting.submit_file(account, task.pk, upload=upload, unit_id=unit.pk).pk)
    for county, bureau in (("360102", w.dh), ("360103", w.xh)):
        reporting.accept_rollup(w.nc, reporting.submit_rollup(bureau, RollUp.objects.get(task=task,
                                                                                          region_id=county).pk).pk)
    reporting.submit_rollup(w.nc, RollUp.objects.get(task=task, region_id="360100").pk)
    return task


def members(package) -> dict[str, bytes]:
    with default_storage.open(package.path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def as_upload(parts: dict[str, bytes], name="package.zip"):
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for member, body in parts.items():
            archive.writestr(member, body)
    return SimpleUploadedFile(name, output.getvalue(), content_type="application/zip")


@pytest.fixture
def receiver(w, settings):
    """The national platform: it trusts "province-36" (this test's key) and publishes its rows as 江西's."""
    settings.DATAHUB_INSTALLATION_ID = "national"
    standing = make_unit("360000", "江西省数据报送接收单位")
    return packages.register_peer(w.jx, installation_id="province-36", name="江西省平台",
                                  public_key=packages.public_key_pem(), unit_id=standing.pk)


def export(w, settings, task):
    settings.DATAHUB_INSTALLATION_ID = "province-36"
    package = packages.export_package(w.nc, task.pk)
    settings.DATAHUB_INSTALLATION_ID = "national"
    return package


def refused(w, upload, match: str) -> PackageImport:
    runs_before = Run.objects.count()
    with pytest.raises(packages.PackageRefused, match=match):
        packages.import_package(w.jx, upload=upload)
    assert Run.objects.count() == runs_before  # nothing written
    record = PackageImport.objects.latest("pk")
    assert record.outcome == "refused" and record.imported_by == w.jx and record.reason
    return record


# --- Export -------------------------------------------------------------------------------------------------------


def test_the_export_is_a_signed_manifest_over_digested_data(w, fake, settings):
    task = finished_task(w)
    package = packages.export_package(w.nc, task.pk)
    parts = members(package)
    assert set(parts) == {"manifest.json", "data.parquet", "signature"}
    manifest = json.loads(parts["manifest.json"])
    assert (manifest["origin"], manifest["sequence"], manifest["rows"], manifest["period"]) == (
        "province-36", 1, 5, "2026年度")
    assert manifest["dataset"]["code"] == "office_stats" and len(manifest["dataset"]["schema"]) == 5
    import hashlib

    assert manifest["members"]["data.parquet"]["sha256"] == hashlib.sha256(parts["data.parquet"]).hexdigest()
    packages.signing_key().public_key().verify(base64.b64decode(parts["signature"]), parts["manifest.json"])
    assert packages.export_package(w.nc, task.pk).sequence == 2


def test_only_a_finalised_task_of_ones_own_bureau_is_exported(w, fake, settings):
    task = make_task(w)
    with pytest.raises(StateError, match="汇总定稿"):
        packages.export_package(w.nc, task.pk)
    task = finished_task(w, "office-2026b")
    with pytest.raises(PermissionDenied):
        packages.export_package(w.jx, task.pk)
    settings.DATAHUB_PACKAGE_KEY = ""
    with pytest.raises(StateError, match="签名密钥"):
        packages.export_package(w.nc, task.pk)


# --- Import -------------------------------------------------------------------------------------------------------


def test_a_valid_package_is_verified_and_published(w, fake, settings, receiver):
    package = export(w, settings, finished_task(w))
    imported = packages.import_package(w.jx, upload=as_upload(members(package)))
    assert imported.outcome == "published" and imported.rows == 5 and imported.peer == receiver
    assert (imported.origin, imported.sequence, imported.package_id) == ("province-36", 1, package.package_id)
    assert imported.run.channel == "api" and imported.run.unit_id == receiver.unit_id
    assert fake.calls[-2:] == [("push", receiver.unit_id, True), ("publish_held", imported.run_id)]


def test_a_tampered_package_is_refused(w, fake, settings, receiver):
    parts = members(export(w, settings, finished_task(w)))
    data = bytearray(parts["data.parquet"])
    data[len(data) // 2] ^= 0x01
    record = refused(w, as_upload({**parts, "data.parquet": bytes(data)}), "篡改")
    assert record.origin == "province-36" and record.peer == receiver
    manifest = json.loads(parts["manifest.json"])
    manifest["rows"] = 6
    refused(w, as_upload({**parts, "manifest.json": json.dumps(manifest).encode()}), "验签不通过")


def test_an_unsigned_package_is_refused(w, fake, settings, receiver):
    parts = members(export(w, settings, finished_task(w)))
    del parts["signature"]
    refused(w, as_upload(parts), "没有签名")


def test_an_untrusted_package_is_refused(w, fake, settings, receiver):
    parts = members(export(w, settings, finished_task(w)))
    other = Ed25519PrivateKey.generate()
    receiver.public_key = other.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    receiver.save()
    refused(w, as_upload(parts), "其他密钥")
    manifest = json.loads(parts["manifest.json"])
    manifest["origin"] = "somewhere-else"
    body = json.dumps(manifest).encode()
    refused(w, as_upload({**parts, "manifest.json": body, "signature": base64.b64encode(other.sign(body))}),
            "未在本系统登记")


def test_a_replayed_package_is_refused(w, fake, settings, receiver):
    task = finished_task(w)
    first, second = export(w, settings, task), export(w, settings, task)
    packages.import_package(w.jx, upload=as_upload(members(second)))
    refused(w, as_upload(members(second)), "已于")
    refused(w, as_upload(members(first)), "重放")
    assert PackageImport.objects.filter(outcome="published").count() == 1


def test_a_package_whose_schema_differs_is_refused(w, fake, settings, receiver):
    parts = members(export(w, settings, finished_task(w)))
    DatasetField.objects.filter(dataset=w.dataset, name="rooms").update(type="decimal")
    refused(w, as_upload(parts), "rooms")
    refused(w, SimpleUploadedFile("x.zip", b"not a zip at all"), "不是上报数据包")


def test_peers_are_registered_with_a_real_key_in_scope(w, fake, settings):
    with pytest.raises(ValidationFailed) as bad:
        packages.register_peer(w.jx, installation_id="national platform", name="", public_key="-----BEGIN nonsense",
                               unit_id=w.jj_finance.pk + 999)
    assert set(bad.value.errors) == {"installation_id", "name", "public_key", "unit_id"}
    with pytest.raises(ValidationFailed) as bad:
        packages.register_peer(w.nc, installation_id="jj-platform", name="九江", public_key=packages.public_key_pem(),
                               unit_id=w.jj_finance.pk)
    assert set(bad.value.errors) == {"unit_id"}
    with pytest.raises(PermissionDenied):
        packages.register_peer(w.fin_admin, installation_id="x", name="x", public_key="x", unit_id=w.finance.pk)
    with pytest.raises(PermissionDenied):
        packages.import_package(w.fin_admin, upload=SimpleUploadedFile("x.zip", b"x"))
