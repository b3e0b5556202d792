"""Environment variables are read strictly: a typo stops the start instead of a silent default."""

from __future__ import annotations

import pytest

from lightsb_site.env import EnvironmentValueError, env_bool, env_float_list, env_int, env_list


@pytest.mark.parametrize("word", ["1", "true", "TRUE", " yes ", "On"])
def test_yes_words_read_as_true(monkeypatch, word):
    monkeypatch.setenv("LIGHTSB_FLAG", word)

    assert env_bool("LIGHTSB_FLAG", False) is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off"])
def test_no_words_read_as_false(monkeypatch, word):
    monkeypatch.setenv("LIGHTSB_FLAG", word)

    assert env_bool("LIGHTSB_FLAG", True) is False


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_value_gives_the_default(monkeypatch, value):
    monkeypatch.setenv("LIGHTSB_FLAG", value)

    assert env_bool("LIGHTSB_FLAG", True) is True
    assert env_int("LIGHTSB_FLAG", 7) == 7
    assert env_list("LIGHTSB_FLAG", ["a"]) == ["a"]


def test_an_unknown_word_is_refused_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")

    with pytest.raises(EnvironmentValueError, match=r"DJANGO_DEBUG='ture' is not a yes/no"):
        env_bool("DJANGO_DEBUG", False)


def test_a_number_that_is_not_one_is_refused(monkeypatch):
    monkeypatch.setenv("GENERATION_DAILY_LIMIT", "ten")

    with pytest.raises(EnvironmentValueError, match="GENERATION_DAILY_LIMIT='ten'"):
        env_int("GENERATION_DAILY_LIMIT", 200)


def test_lists_are_split_on_commas_and_trimmed(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", " a.example , b.example,,")

    assert env_list("DJANGO_ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_number_lists_are_read_and_bad_items_refused(monkeypatch):
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "1, 2.5,10")
    assert env_float_list("WEBHOOK_RETRY_DELAYS", [3.0]) == [1.0, 2.5, 10.0]
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "1,soon")
    with pytest.raises(EnvironmentValueError, match="WEBHOOK_RETRY_DELAYS"):
        env_float_list("WEBHOOK_RETRY_DELAYS", [3.0])
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "-1")
    with pytest.raises(EnvironmentValueError, match="zero or more"):
        env_float_list("WEBHOOK_RETRY_DELAYS", [3.0])
