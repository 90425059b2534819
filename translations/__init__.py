"""The compiled catalogues, shipped inside the package as ``app.translations``."""
