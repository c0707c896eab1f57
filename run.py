"""Development entry point: `CONTEST_ENV=development python run.py` (what `make run` does) serves the app
on http://127.0.0.1:5000; without CONTEST_ENV the app is production and needs a real SECRET_KEY."""
from contest import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=False)
