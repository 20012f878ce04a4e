"""The follow-up conversation: how the Werk plan lives on across conversations.

In: a patient's resources from earlier conversations (a folder of bundles, or a FHIR server).
Out: the trend of every 0–10 scale and the state of every goal (:func:`trend`). The pre-fill of
a follow-up response (SDC ``$populate``) will live here too.
"""

from fhir_werk.followup._sources import resources_in_folder, resources_on_server
from fhir_werk.followup._trend import GoalState, Point, Scale, Trend, render_trend, trend

__all__ = [
    "GoalState",
    "Point",
    "Scale",
    "Trend",
    "render_trend",
    "resources_in_folder",
    "resources_on_server",
    "trend",
]
