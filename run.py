"""Entry point: `python run.py` serves the tracker; `python run.py --help` lists the commands."""

from tracker.cli import run

if __name__ == "__main__":
    run()
