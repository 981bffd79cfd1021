"""The open form (date picker, number inputs) and a form submitted where the bot cannot post (issue 15)."""
from __future__ import annotations

from bot.render import modal_position_text, open_modal
from tests.test_bot_e2e import NOW, Env, env  # noqa: F401  (env is the fake-Slack fixture)


def test_open_form_uses_a_date_picker_and_number_inputs() -> None:
    view = open_modal("C9")
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds["expiry"] == "datepicker"
    assert {kinds[k] for k in ("long_put", "short_put", "short_call", "long_call", "quantity", "credit")} == {
        "number_input"}
    q = next(b["element"] for b in view["blocks"] if b["block_id"] == "quantity")
    assert q["is_decimal_allowed"] is False and q["min_value"] == "1"
    values = {"expiry": {"value": {"type": "datepicker", "selected_date": "2027-01-08"}},
              **{k: {"value": {"type": "number_input", "value": v}} for k, v in
                 {"long_put": "5600", "short_put": "5650", "short_call": "6150", "long_call": "6200",
                  "quantity": "10", "credit": "17"}.items()}}
    assert modal_position_text(values) == ("SPX IC 5600/5650/6150/6200 2027-01-08 x10 @17", {})


def test_form_from_a_channel_the_bot_is_not_in_is_answered_by_dm(env: Env) -> None:  # noqa: F811
    env.services.store.add_mark("T1", "U1", NOW.date(), 5900.0, 18.0)
    values = {"expiry": {"value": {"type": "datepicker", "selected_date": "2027-01-08"}},
              **{k: {"value": {"type": "number_input", "value": v}} for k, v in
                 {"long_put": "5600", "short_put": "5650", "short_call": "6150", "long_call": "6200",
                  "quantity": "10", "credit": "17"}.items()}}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"},
               "view": {"id": "V1", "type": "modal", "callback_id": "alvh_open_modal", "private_metadata": "C7",
                        "state": {"values": values}}}
    env.slack.fail_next("chat.postMessage", error="not_in_channel")
    status, body = env.served.interaction(payload)
    assert status == 200 and body == ""
    dm = env.slack.recorder.wait_for(lambda calls: any(c.method == "chat.postMessage" and c.ok
                                                       and c.args.get("channel") == "U1" for c in calls))
    text = next(c.args["text"] for c in dm if c.method == "chat.postMessage" and c.args.get("channel") == "U1")
    assert "I could not post in <#C7> (not_in_channel): invite me there with `/invite @alvh`" in text
    assert "Recorded #1" in text and len(env.services.store.open_positions("T1")) == 1
