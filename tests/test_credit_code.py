"""The unified social credit code check of GB 32100-2015."""
import pytest

from marketplace import credit_code

from .factories import valid_credit_code


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",
    "911100001000044477",
    "91110000600037341L",
    "91350100m000100y43",      # lower case is normalised
    " 911100001000044477 ",   # so is surrounding space
])
def test_real_codes_are_valid(code):
    assert credit_code.is_valid(code)


@pytest.mark.parametrize("code", [
    "91350100M000100Y44",      # check character wrong
    "911100001000044478",
    "91110000600037341K",
    "91350100M000100Y4",       # 17 characters
    "91350100M000100Y433",     # 19 characters
    "",
    "91350100I000100Y43",      # I, O, S, V and Z are not in the alphabet
    "91350100O000100Y43",
    "91350100S000100Y43",
    "91350100V000100Y43",
    "91350100Z000100Y43",
    # the division code must be digits, even with a matching check character
    "9135A100M000100Y4" + credit_code.check_character("9135A100M000100Y4"),
    "91350100M000100Y4!",
])
def test_wrong_codes_are_invalid(code):
    assert not credit_code.is_valid(code)


def test_check_character_completes_the_first_17():
    assert credit_code.check_character("91350100M000100Y4") == "3"
    assert credit_code.check_character("91110000600037341") == "L"


def test_factory_codes_are_valid_and_unique():
    codes = {valid_credit_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(credit_code.is_valid(c) for c in codes)
