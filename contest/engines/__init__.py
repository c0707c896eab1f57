"""Pure computation: judge assignment, scoring, prize allocation.

Nothing in this package imports Flask or touches the database: data in, data out.
Each engine is also a command: ``python -m contest.engines.<name> IN.json``.
"""
