"""The style sheet and the icon, shipped inside the package as ``app.resources``."""
