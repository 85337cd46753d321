"""Personal data at rest: encrypted columns hold no plaintext; display masks; validators name the failed check."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiguan.core.crypto import decrypt, encrypt, mask_id_number, mask_phone
from jiguan.core.identifiers import credit_code, id_number
from jiguan.core.models import Person
from jiguan.core.testing import make_person, make_unit
from jiguan.core.validators import validate_credit_code, validate_id_number, validate_phone


@pytest.mark.django_db
def test_raw_columns_hold_no_plaintext():
    person = make_person(make_unit(), id_number="360102198503010011", phone="13807911234")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert "360102198503010011" not in raw_id and raw_id.startswith("sm4gcm:v1:")
    assert "13807911234" not in raw_phone
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.id_number == "360102198503010011" and fresh.phone == "13807911234"


@pytest.mark.django_db
def test_blind_index_finds_and_keeps_id_numbers_unique():
    from django.db import IntegrityError, transaction

    from jiguan.core.crypto import blind_index

    unit = make_unit()
    make_person(unit, id_number="360102198503010011")
    assert Person.objects.filter(id_digest=blind_index("360102198503010011")).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        make_person(unit, id_number="360102198503010011")


def test_same_value_encrypts_differently_and_round_trips():
    assert encrypt("13800000000") != encrypt("13800000000")
    assert decrypt(encrypt("张三")) == "张三"


def test_tampered_ciphertext_is_rejected():
    from cryptography.exceptions import InvalidTag

    token = encrypt("360102198503010011")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        decrypt(forged)


def test_masking():
    assert mask_id_number("360102198503011234") == "360102********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == "" and mask_phone("") == ""


def test_credit_code_check_character():
    code = credit_code("360100", 4242)
    validate_credit_code(code)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        validate_credit_code(wrong)
    assert err.value.code == "uscc_check"
    with pytest.raises(ValidationError) as err:
        validate_credit_code("11360100MB1234567")
    assert err.value.code == "uscc_length"
    with pytest.raises(ValidationError) as err:
        validate_credit_code("11360100OB12345670")
    assert err.value.code == "uscc_charset"


def test_known_real_credit_code_validates():
    validate_credit_code("91350100M000100Y43")  # the example code published with GB 32100-2015


def test_id_number_checks_name_the_failed_rule():
    from datetime import date

    good = id_number("360102", date(1990, 5, 17), 12, female=True)
    validate_id_number(good)
    validate_id_number("11010519491231002X")  # the example number in GB 11643-1999
    cases = {
        good[:-1] + ("0" if good[-1] != "0" else "1"): "id_check",
        "36010219900230123X": "id_birthdate",
        "3601021990051712": "id_length",
        "36010219900517A234": "id_charset",
    }
    for value, code in cases.items():
        with pytest.raises(ValidationError) as err:
            validate_id_number(value)
        assert err.value.code == code, value


def test_phone_validation():
    validate_phone("13912345678")
    validate_phone("0791-86123456")
    with pytest.raises(ValidationError):
        validate_phone("12345")
