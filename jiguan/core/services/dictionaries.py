"""Dictionaries (code tables): administrators add and edit items; an item's code never changes once
saved, because records refer to it."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from ..errors import ValidationFailed
from ..models import Dictionary, DictionaryItem
from .base import require
from .common import use_case
from .inputs import Errors, find, positive_int, text, unique
from .inputs import code as clean_code  # the contract names the parameter ``code``

MANAGE_DICTIONARIES = "core.manage_dictionaries"


@use_case
def save_dictionary_item(
    user, *, dictionary_code, code, label, sort=0, active=True, item_id=None
) -> DictionaryItem:
    require(user, MANAGE_DICTIONARIES)
    dictionary = Dictionary.objects.filter(code=dictionary_code).first()
    if dictionary is None:
        raise ValidationFailed({"dictionary_code": [
            _("There is no dictionary “%(code)s”.") % {"code": dictionary_code}
        ]})
    item = DictionaryItem(dictionary=dictionary)
    if item_id not in (None, ""):
        item = find(DictionaryItem.objects.select_for_update().filter(dictionary=dictionary), item_id)
        if item is None:
            raise Http404(_("Not found."))
    errors = Errors()
    _set_code(errors, item, code)
    item.label = text(errors, "label", label, label=_("item name"), max_length=100)
    item.sort = positive_int(errors, "sort", sort, label=_("sort number"))
    item.active = bool(active)
    errors.raise_if_any()
    with unique("code", _item_code_taken(item.code)):
        item.save()
    return item


def _set_code(errors: Errors, item: DictionaryItem, value) -> None:
    new_code = clean_code(errors, "code", value, label=_("item code"), max_length=40)
    if "code" in errors:
        return
    if item.pk and new_code != item.code:
        errors.add("code", _("An item's code cannot change once saved; deactivate it and add a new item instead."))
    elif DictionaryItem.objects.filter(dictionary=item.dictionary, code=new_code).exclude(pk=item.pk).exists():
        errors.add("code", _item_code_taken(new_code))
    item.code = new_code


def _item_code_taken(item_code: str) -> str:
    return _("This dictionary already has an item with the code “%(code)s”.") % {"code": item_code}
