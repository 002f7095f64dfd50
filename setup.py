"""The package list, which pyproject.toml can't express: every package under app/ (the
import package `deescalate` lives in app/deescalate/), plus the top-level phrasebook/ folder
(the one supervisors edit) carried as `deescalate.phrasebook_files` so that an installed app
finds the default phrasebook with importlib.resources."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(where="app", include=["deescalate", "deescalate.*"]),
              "deescalate.phrasebook_files"],
    package_dir={"": "app", "deescalate.phrasebook_files": "phrasebook"},
)
