"""The engines are plain Python: importing one (as `python -m contest.engines.<name>` does) loads no
database layer, no web request machinery and none of the application's services."""
from __future__ import annotations

import subprocess
import sys

import pytest

ENGINES = ["assignment", "scoring", "allocation", "winners", "refill", "final_forecast"]
NOT_LOADED = ["sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_babel", "contest.extensions", "contest.services"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_engine_loads_no_database_nor_service(engine):
    probe = (f"import sys, contest.engines.{engine}; "
             f"print(' '.join(name for name in {NOT_LOADED!r} if name in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
