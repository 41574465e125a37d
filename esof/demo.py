"""Demo data (filled in by the demo-data work)."""
from flask import Flask


def register_demo_command(app: Flask) -> None:
    pass
