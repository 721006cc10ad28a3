"""Widgets: the controls, grid text and presets, the grid editor, pictures
as grids, typed answers."""
