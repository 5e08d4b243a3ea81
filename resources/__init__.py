"""Bundled read-only data: flowcharts, guidance, service catalogue, stylesheets."""
