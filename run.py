"""Development entry point: `CONTEST_ENV=development python run.py` (what `make run` does) serves the app
on http://127.0.0.1:5000; without CONTEST_ENV the app is production and needs a real SECRET_KEY.
gunicorn (`make serve`) and the flask commands load `app` from here too."""
import sys

from contest import create_app
from contest.security import UnsafeConfiguration

try:
    app = create_app()
except UnsafeConfiguration as refusal:
    # One line an operator reads, from gunicorn, `flask ...` and `make serve` alike, not a traceback.
    sys.exit(f"The app refuses to start: {refusal}")

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=False)
