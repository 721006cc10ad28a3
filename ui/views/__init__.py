"""Views: heatmaps and charts, step sentences, the step player."""
