"""Modal screens: confirm, prompt for a line, edit, settings, export, help, prompt view."""
