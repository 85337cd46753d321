"""Dictionary items: added and edited by dictionary managers; codes are stable."""

import pytest
from django.http import Http404

from jiguan.core.errors import NotAllowed, ValidationFailed
from jiguan.core.models import Dictionary, DictionaryItem
from jiguan.core.services.dictionaries import save_dictionary_item
from jiguan.core.testing import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin():
    return make_account(roles=("system_admin",))


@pytest.fixture
def dictionary():
    return Dictionary.objects.create(code="zz-room-use", name="房间用途")


def test_add_and_edit(sysadmin, dictionary):
    item = save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="meeting", label="会议室", sort=2)
    edited = save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="meeting", label="会商室",
                                  active=False, item_id=item.pk)
    assert (edited.label, edited.active, edited.sort) == ("会商室", False, 0)
    assert DictionaryItem.objects.filter(dictionary=dictionary).count() == 1


def test_refusals(sysadmin, dictionary):
    item = save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="office", label="办公室")
    with pytest.raises(ValidationFailed) as excinfo:
        save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="office", label="重复")
    assert "office" in excinfo.value.errors["code"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="office2", label="x", item_id=item.pk)
    assert "不能修改" in excinfo.value.errors["code"][0]
    with pytest.raises(ValidationFailed) as excinfo:
        save_dictionary_item(sysadmin, dictionary_code=dictionary.code, code="会议", label="", sort=-1)
    assert set(excinfo.value.errors) == {"code", "label", "sort"}
    with pytest.raises(ValidationFailed):
        save_dictionary_item(sysadmin, dictionary_code="nope", code="a", label="b")
    other = Dictionary.objects.create(code="zz-other", name="其他")
    with pytest.raises(Http404):
        save_dictionary_item(sysadmin, dictionary_code=other.code, code="office", label="x", item_id=item.pk)
    with pytest.raises(NotAllowed):
        save_dictionary_item(make_account(roles=("region_bureau_admin",)), dictionary_code=dictionary.code,
                             code="guard", label="门卫室")
    assert DictionaryItem.objects.get(pk=item.pk).label == "办公室"
