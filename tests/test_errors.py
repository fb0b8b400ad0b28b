"""InputError messages: one paragraph, one line, whatever the user typed."""

from __future__ import annotations

from sim.errors import InputError, did_you_mean


def test_control_characters_in_a_key_keep_the_message_on_one_line():
    """A YAML key with a newline once split the message (found by fuzzing the spec loader)."""
    error = InputError("spec.yaml", "parameters.\n", "a parameter path", "None")
    assert "\n" not in error.message
    assert "parameters.\\n" in error.message


def test_message_names_file_field_expected_and_found():
    error = InputError("a.yaml", "rule.kind", "logit", "'logitt'", did_you_mean("logitt", ["logit"]))
    assert error.message == (
        "a.yaml, field 'rule.kind': expected logit, found 'logitt'. Did you mean 'logit'?"
    )
