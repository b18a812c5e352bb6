"""The message pipeline's public names under their former module: see `dutyflow.messaging`."""

from dutyflow import messaging
from dutyflow.messaging import *  # noqa: F403

__all__ = messaging.__all__
