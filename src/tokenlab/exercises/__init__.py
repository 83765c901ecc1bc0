"""Checks for the course's exercises: each says what is right and gives a hint, never the answer.

One module per notebook (``ex01`` for notebook 01, …); their checks are
re-exported here, so a notebook writes::

    from tokenlab import exercises
    exercises.check_entropy_bits(answer)
"""

from tokenlab.exercises._feedback import Feedback

__all__ = ["Feedback"]
