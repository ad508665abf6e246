"""The rules of voiceapp in plain Python: no Flask, no database. Inputs, `now` included,
are passed in, so each rule is tested alone. Imports nothing of voiceapp's but domain."""
