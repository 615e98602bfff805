"""Tool catalog: the 16 reference tools, their label order, apps, side effects and JSON schemas both ways.

Usage: .venv/bin/python -m pytest tests/test_catalog.py -q
"""
import jsonschema
import pytest

from tinyagent.tools import APPS, ASSISTANT_TOOLS, ToolCatalog, ToolParam, ToolSpec
from tinyagent.tools.schema import EXTERNAL_APP, SchemaError, catalog_from_json_schemas, catalog_schemas, tool_schema

# ToolRAG label order of the reference implementation (RESEARCH.md section 2).
REFERENCE_ORDER = ["create_calendar_event", "get_phone_number", "get_email_address", "open_and_get_file_path",
                   "summarize_pdf", "compose_new_email", "reply_to_email", "forward_email", "maps_open_location",
                   "maps_show_directions", "create_note", "open_note", "append_note_content", "create_reminder",
                   "send_sms", "get_zoom_meeting_link"]
REFERENCE_PARAMS = {
    "create_calendar_event": ["title", "start_date", "end_date", "location", "invitees", "notes", "calendar"],
    "compose_new_email": ["recipients", "cc", "subject", "context", "attachments"],
    "reply_to_email": ["cc", "context", "attachments"],
    "forward_email": ["recipients", "cc", "context", "attachments"],
    "maps_show_directions": ["start_location", "end_location", "transport"],
    "create_reminder": ["name", "due_date", "notes", "list_name", "priority", "all_day"],
    "send_sms": ["recipients", "message"],
    "get_zoom_meeting_link": ["topic", "start_time", "duration", "meeting_invitees"],
}


def test_names_and_label_order_match_the_reference():
    assert list(ASSISTANT_TOOLS.names) == REFERENCE_ORDER
    assert [ASSISTANT_TOOLS.label_index(n) for n in REFERENCE_ORDER] == list(range(16))


@pytest.mark.parametrize("tool", sorted(REFERENCE_PARAMS))
def test_positional_parameter_order_matches_the_reference(tool):
    assert [p.name for p in ASSISTANT_TOOLS[tool].params] == REFERENCE_PARAMS[tool]


def test_every_app_has_tools_and_side_effects_are_marked():
    assert {s.app for s in ASSISTANT_TOOLS} == set(APPS) and len(APPS) == 9
    effectful = {s.name for s in ASSISTANT_TOOLS if s.side_effects}
    assert {"send_sms", "compose_new_email", "create_calendar_event", "append_note_content"} <= effectful
    assert not effectful & {"get_phone_number", "get_email_address", "open_note", "maps_open_location"}


def test_json_schemas_are_valid_openai_tools():
    for entry in ASSISTANT_TOOLS.json_schemas():
        assert entry["type"] == "function"
        fn = entry["function"]
        jsonschema.Draft202012Validator.check_schema(fn["parameters"])
        spec = ASSISTANT_TOOLS[fn["name"]]
        assert list(fn["parameters"]["properties"]) == [p.name for p in spec.params]
        assert fn["parameters"]["required"] == [p.name for p in spec.params if p.required]
    sms = ASSISTANT_TOOLS["send_sms"].json_schema()["function"]["parameters"]
    jsonschema.validate({"recipients": ["+1 555 0100"], "message": "hi"}, sms)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"recipients": "+1 555 0100", "message": "hi"}, sms)


def test_catalog_round_trips_through_json_schemas():
    rebuilt = catalog_from_json_schemas(ASSISTANT_TOOLS.json_schemas())
    assert rebuilt.names == ASSISTANT_TOOLS.names
    for a, b in zip(rebuilt, ASSISTANT_TOOLS):
        assert a.params == b.params and a.signature() == b.signature()
        assert a.app == EXTERNAL_APP and not a.side_effects  # not in a schema
    with pytest.raises(SchemaError, match="JSON type 'tuple'"):
        catalog_from_json_schemas([{"name": "f", "parameters": {"properties": {"x": {"type": "tuple"}}}}])
    with pytest.raises(SchemaError, match="tool schema 0: expected an object with a 'name'"):
        catalog_from_json_schemas([{"function": {"description": "no name"}}])
    with pytest.raises(SchemaError, match="duplicate tool name 'f'"):
        catalog_from_json_schemas([{"name": "f"}, {"name": "f"}])


def test_methods_and_module_write_the_same_schemas():
    sms = ASSISTANT_TOOLS["send_sms"]
    assert sms.json_schema() == tool_schema(sms)
    assert ASSISTANT_TOOLS.json_schemas() == catalog_schemas(ASSISTANT_TOOLS)


def test_subsets_and_apps():
    sub = ASSISTANT_TOOLS.subset(["send_sms", "get_phone_number"])
    assert sub.names == ("get_phone_number", "send_sms")  # catalog order, not request order
    assert ASSISTANT_TOOLS.for_apps(["sms", "contacts"]).names == ("get_phone_number", "get_email_address",
                                                                    "send_sms")
    with pytest.raises(KeyError, match="unknown tool 'nope'"):
        ASSISTANT_TOOLS.subset(["nope"])
    with pytest.raises(ValueError, match="unknown apps"):
        ASSISTANT_TOOLS.for_apps(["fax"])


def test_bad_catalogs_fail_loudly():
    spec = ToolSpec("f", "d", (), app="x", side_effects=False)
    with pytest.raises(ValueError, match="duplicate"):
        ToolCatalog((spec, spec))
    with pytest.raises(ValueError, match="reserved"):
        ToolCatalog((ToolSpec("join", "d", (), app="x", side_effects=False),))
    with pytest.raises(ValueError, match="unknown type"):
        ToolParam("p", "string", "d")
