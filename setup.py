"""The package list, which pyproject.toml can't express: every package under app/, plus the
top-level phrasebook/ folder (the one supervisors edit) carried as `app.phrasebook_files`
so that an installed app finds the default phrasebook with importlib.resources."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app", "app.*"]), "app.phrasebook_files"],
    package_dir={"app.phrasebook_files": "phrasebook"},
)
