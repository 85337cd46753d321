"""The analytical store: versions are whole Parquet files made current in one transaction; a failed or
killed publish leaves nothing that is read, and ``sweep`` removes its leftovers."""

import pytest

from jiguan.core.testing import make_unit
from jiguan.datahub import store
from jiguan.datahub.models import Dataset, DatasetVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return Dataset.objects.create(code="rooms", name="房间", layer="base", unit=make_unit("360100", "南昌市机关事务管理局"))


def test_publish_writes_the_next_version_and_makes_it_current(dataset):
    con = store.connect()
    first = store.publish(con, dataset, "SELECT * FROM (VALUES ('101', 20.5), ('102', 18.0)) t(number, area)")
    second = store.publish(con, dataset, "SELECT '201' AS number, 30.0 AS area")
    dataset.refresh_from_db()
    assert (first.number, first.rows, second.number, second.rows) == (1, 2, 2, 1)
    assert dataset.current_version == second
    assert store.current(store.connect(), dataset).fetchall() == [("201", 30.0)]
    assert len(store.relation(con, first).fetchall()) == 2  # old versions stay readable


def test_a_failing_query_publishes_nothing_and_leaves_no_file(dataset):
    con = store.connect()
    with pytest.raises(Exception, match="no_such_table"):
        store.publish(con, dataset, "SELECT * FROM no_such_table")
    assert not DatasetVersion.objects.exists()
    folder = store.root() / dataset.code
    assert not folder.exists() or not list(folder.iterdir())


def test_sweep_removes_what_a_killed_publish_left(dataset):
    version = store.publish(store.connect(), dataset, "SELECT 1 AS n")
    folder = store.file_of(version).parent
    (folder / ".v000002.parquet.abc.tmp").write_bytes(b"half")
    (folder / "v000002.parquet").write_bytes(b"renamed but never recorded")
    removed = store.sweep()
    assert sorted(p.name for p in removed) == [".v000002.parquet.abc.tmp", "v000002.parquet"]
    assert [p.name for p in folder.iterdir()] == ["v000001.parquet"]

