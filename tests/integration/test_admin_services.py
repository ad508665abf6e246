"""The admin pages' writes, called as the services the blueprints use: numbers and their
operators, a member's edit, the team settings row, e-mail templates. Real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import UserFactory
from voiceapp.db import utcnow
from voiceapp.models import NumberOperator, PhoneNumber, TeamSettings, UserSession
from voiceapp.services import accounts, emails
from voiceapp.services import numbers as number_ops
from voiceapp.services.team_settings import get_team_settings, update_team_settings

# --- numbers ------------------------------------------------------------------------------


def test_a_number_already_ours_is_refused_and_the_first_stays(ctx, dbs):
    number_ops.add_number(dbs, number="+4930111", friendly_name=None, twilio_sid="PN1")
    dbs.commit()
    with pytest.raises(number_ops.NumberError, match=r"\+4930111 is already one of our"):
        number_ops.add_number(dbs, number="+4930111", friendly_name="Again", twilio_sid="PN2")
    dbs.commit()  # the refused row was rolled back to its savepoint: nothing to commit
    rows = dbs.query(PhoneNumber).all()
    assert [(r.number, r.friendly_name, r.twilio_sid) for r in rows] == [
        ("+4930111", "+4930111", "PN1")
    ]
    assert number_ops.is_ours(dbs, "+4930111") and not number_ops.is_ours(dbs, "+4930222")
    assert number_ops.linked_keys(dbs) == {"PN1", "+4930111"}


def test_operators_must_be_active_members_and_are_added_once(ctx, dbs):
    number = number_ops.add_number(dbs, number="+4930111", friendly_name="B", twilio_sid="PN1")
    agent, gone = UserFactory(), UserFactory(active=False)
    with pytest.raises(number_ops.NumberError, match="active member"):
        number_ops.add_operator(dbs, number, gone, outgoing=True, recording=False)
    with pytest.raises(number_ops.NumberError, match="active member"):
        number_ops.add_operator(dbs, number, None, outgoing=True, recording=False)
    operator = number_ops.add_operator(dbs, number, agent, outgoing=True, recording=False)
    with pytest.raises(number_ops.NumberError, match=f"{agent.name} already operates"):
        number_ops.add_operator(dbs, number, agent, outgoing=False, recording=True)
    dbs.commit()
    assert number_ops.get_operator(dbs, number.id, operator.id) is operator
    assert number_ops.get_operator(dbs, number.id + 1, operator.id) is None  # another number's
    number_ops.set_switches(operator, outgoing=False, recording=True)
    dbs.commit()
    stored = dbs.query(NumberOperator).one()
    assert (stored.user_id, stored.outgoing_enabled, stored.recording_enabled) == (
        agent.id,
        False,
        True,
    )
    number_ops.unlink_number(dbs, number)
    dbs.commit()
    assert dbs.query(PhoneNumber).count() == 0 and dbs.query(NumberOperator).count() == 0


# --- members ------------------------------------------------------------------------------


def _edit(dbs, user, acting, **changes):
    values = dict(
        name=user.name,
        email=user.email,
        role=user.role,
        password=None,
        settings={"active": user.active},
        now=utcnow(),
    )
    values.update(changes)
    accounts.update_member(dbs, user, acting=acting, **values)


def test_a_member_edit_refuses_a_colleagues_email_and_changes_nothing(ctx, dbs):
    admin, agent, other = UserFactory(role="admin"), UserFactory(), UserFactory()
    with pytest.raises(accounts.AccountError) as refused:
        _edit(dbs, agent, admin, name="New name", email=other.email.upper())
    assert refused.value.field == "email"
    dbs.rollback()
    assert agent.name != "New name"


def test_admins_cannot_demote_or_switch_off_themselves(ctx, dbs):
    admin = UserFactory(role="admin")
    for changes in ({"role": "agent"}, {"settings": {"active": False}}):
        with pytest.raises(accounts.AccountError, match="your own admin rights") as refused:
            _edit(dbs, admin, admin, **changes)
        assert refused.value.field == "role"
    other_admin = UserFactory(role="admin")
    _edit(dbs, admin, other_admin, role="sales_manager")  # another admin may
    assert admin.role == "sales_manager"


def test_a_short_password_is_refused_on_the_password_field(ctx, dbs):
    admin, agent = UserFactory(role="admin"), UserFactory()
    with pytest.raises(accounts.AccountError) as refused:
        _edit(dbs, agent, admin, password="short")
    assert refused.value.field == "password"


def test_switching_a_member_off_or_a_new_password_ends_their_sessions(ctx, dbs):
    admin, agent = UserFactory(role="admin"), UserFactory()
    now = utcnow()
    for _ in range(2):
        accounts.start_session(dbs, agent, now=now, ip_address=None, user_agent=None)
    _edit(dbs, agent, admin, name="Same member")  # nothing that ends sessions
    assert all(s.ended_at is None for s in dbs.query(UserSession))
    _edit(dbs, agent, admin, password="a much longer password")
    assert all(s.ended_at is not None for s in dbs.query(UserSession))
    accounts.start_session(dbs, agent, now=now, ip_address=None, user_agent=None)
    _edit(dbs, agent, admin, settings={"active": False, "languages": ["fr"]})
    assert all(s.ended_at is not None for s in dbs.query(UserSession))
    assert (agent.active, agent.languages) == (False, ["fr"])


def test_only_member_settings_can_be_set_through_a_member_edit(ctx, dbs):
    admin, agent = UserFactory(role="admin"), UserFactory()
    with pytest.raises(ValueError, match="not a member setting: password_hash"):
        _edit(dbs, agent, admin, settings={"password_hash": "x"})


def test_purging_sessions_keeps_the_recent_ones(ctx, dbs):
    agent = UserFactory()
    now = utcnow()
    accounts.start_session(
        dbs, agent, now=now - timedelta(days=40), ip_address=None, user_agent=None
    )
    accounts.start_session(dbs, agent, now=now, ip_address=None, user_agent=None)
    assert accounts.purge_sessions(dbs, before=now - timedelta(days=30)) == 1
    assert dbs.query(UserSession).count() == 1


# --- team settings and templates ----------------------------------------------------------


def test_team_settings_are_created_on_the_first_change_and_unknown_names_refused(ctx, dbs):
    assert dbs.get(TeamSettings, 1) is None
    update_team_settings(dbs, ring_timeout_seconds=25, languages=["en"])
    dbs.commit()
    row = get_team_settings(dbs)
    assert (row.ring_timeout_seconds, row.languages) == (25, ["en"])
    with pytest.raises(ValueError, match="not a team setting: id"):
        update_team_settings(dbs, id=2)
    with pytest.raises(ValueError, match="not a team setting: nonsense"):
        update_team_settings(dbs, nonsense=1)


def test_a_template_key_is_taken_once(ctx, dbs):
    fields = dict(name="Offer", subject="Hi", body_text="Text", body_html="", active=True)
    template = emails.create_template(dbs, key="offer", **fields)
    dbs.commit()
    assert template.body_html is None  # an empty HTML part is no HTML part
    with pytest.raises(emails.TemplateError, match="another template has this key"):
        emails.create_template(dbs, key="offer", **fields)
    emails.update_template(template, name="Offer 2", body_html="<p>x</p>")
    dbs.commit()
    assert [(t.key, t.name, t.body_html) for t in emails.all_templates(dbs)] == [
        ("offer", "Offer 2", "<p>x</p>")
    ]
    with pytest.raises(ValueError, match="not a template field: key"):
        emails.update_template(template, key="other")
