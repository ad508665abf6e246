"""Commissions: earned on payments (earning), approved or rejected (approval), paid out
(payouts), moved to the vendor (reassign), and the team's settings for them."""
