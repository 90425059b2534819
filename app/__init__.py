"""Permanence: agenda, call log and patient contacts for French medical practices."""

DISTRIBUTION = "permanence"


def installed_version() -> str:
    """The version of the installed distribution (pyproject.toml is the one place it is
    written); "0+unknown" when the code runs without being installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str):
    # Read when first asked for: the metadata lookup stays off the start-up path.
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
