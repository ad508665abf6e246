from voiceapp.domain import commission_rights as rights


def test_who_sees_what():
    assert [rights.sees_payout_factors(r) for r in ("admin", "sales_manager", "agent")] == [
        True,
        True,
        False,
    ]
    assert [rights.sees_manager_commissions(r) for r in ("admin", "sales_manager", "agent")] == [
        True,
        False,
        False,
    ]


def test_approving_needs_the_right_and_never_ones_own():
    assert rights.may_approve("admin", False)
    assert rights.may_approve("agent", True)
    assert not rights.may_approve("sales_manager", False)
    assert not rights.may_approve_this(3, 3)
    assert rights.may_approve_this(3, 4)


def test_payouts_and_reassigning_are_for_managers_and_admins():
    assert [rights.may_pay_out(r) for r in ("admin", "sales_manager", "agent")] == [
        True,
        True,
        False,
    ]
    assert not rights.may_reassign("agent")
