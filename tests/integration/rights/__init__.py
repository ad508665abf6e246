"""The rights matrix: every route of the app (walked from its url_map), every role, and
every object state that matters (test_rights_matrix.py, the table in table.py, the
objects and clients in world.py)."""
