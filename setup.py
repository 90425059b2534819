"""Packaging beyond pyproject.toml: the top-level ``resources/`` and ``translations/``
folders ship inside the package as ``app.resources`` and ``app.translations``, so an
installed program finds its style sheet, icon and catalogues with importlib.resources.
(pyproject.toml cannot list found packages and mapped ones together.)"""

from setuptools import find_namespace_packages, find_packages, setup

DATA_PACKAGES = {"app.resources": "resources", "app.translations": "translations"}
# The catalogue folders (fr/LC_MESSAGES…) are declared too, as setuptools asks of
# every folder that ships files.
CATALOGUE_FOLDERS = ["app.translations." + name
                     for name in find_namespace_packages(where="translations")]

setup(
    packages=find_packages(include=["app", "app.*"]) + list(DATA_PACKAGES) + CATALOGUE_FOLDERS,
    package_dir=DATA_PACKAGES,
)
