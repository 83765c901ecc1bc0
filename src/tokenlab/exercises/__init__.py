"""Checks for the course's exercises: each says what is right and gives a hint, never the answer.

One module per notebook (``ex01`` for notebook 01, …); their checks are
re-exported here, so a notebook writes::

    from tokenlab import exercises
    exercises.check_entropy_bits(answer)

The worked solutions live apart, in the repository's ``solutions/`` folder,
and ``tests/test_exercises_*.py`` (one file per lesson or pair of lessons, such as
``tests/test_exercises_00_01.py``) check that they pass.
"""

from tokenlab.exercises._feedback import Feedback as Feedback
from tokenlab.exercises.ex00 import *  # noqa: F403
from tokenlab.exercises.ex01 import *  # noqa: F403
from tokenlab.exercises.ex02 import *  # noqa: F403
from tokenlab.exercises.ex03 import *  # noqa: F403
from tokenlab.exercises.ex04 import *  # noqa: F403
from tokenlab.exercises.ex05 import *  # noqa: F403
from tokenlab.exercises.ex06 import *  # noqa: F403
from tokenlab.exercises.ex07 import *  # noqa: F403
from tokenlab.exercises.ex08 import *  # noqa: F403
from tokenlab.exercises.ex09 import *  # noqa: F403
from tokenlab.exercises.ex10 import *  # noqa: F403
from tokenlab.exercises.ex11 import *  # noqa: F403
from tokenlab.exercises.ex12 import *  # noqa: F403
from tokenlab.exercises.ex13 import *  # noqa: F403
from tokenlab.exercises.ex14 import *  # noqa: F403
from tokenlab.exercises.ex15 import *  # noqa: F403
