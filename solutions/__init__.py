"""Worked solutions to the course's exercises, kept apart from the learner's notebooks.

One module per notebook; ``tests/test_exercises*.py`` checks that every solution passes.
"""
