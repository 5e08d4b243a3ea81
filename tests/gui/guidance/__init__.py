"""pytest-qt tests of the guided decisions, the consent step and the guidance viewer."""
