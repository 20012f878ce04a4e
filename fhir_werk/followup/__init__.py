"""The follow-up conversation: how the Werk plan lives on across conversations.

In: a patient's resources from earlier conversations (earlier bundles, a folder of them, or a FHIR
server). Out: the pre-filled follow-up response (SDC ``$populate``: :func:`populate_followup`,
:func:`populate_from`), and the trend of every 0–10 scale and the state of every goal
(:func:`trend`).
"""

from fhir_werk.followup._examples import answered, check_followups, conversations, write_followups
from fhir_werk.followup._followup import (
    earlier_bundles,
    followup_questionnaire,
    now,
    patient_of,
    populate_followup,
    populate_from,
)
from fhir_werk.followup._populate import populate
from fhir_werk.followup._record import BundleRecord, Record, ServerRecord
from fhir_werk.followup._sources import resources_in_folder, resources_on_server
from fhir_werk.followup._trend import GoalState, Point, Scale, Trend, render_trend, trend

__all__ = [
    "BundleRecord",
    "GoalState",
    "Point",
    "Record",
    "Scale",
    "ServerRecord",
    "Trend",
    "answered",
    "check_followups",
    "conversations",
    "earlier_bundles",
    "followup_questionnaire",
    "now",
    "patient_of",
    "populate",
    "populate_followup",
    "populate_from",
    "render_trend",
    "resources_in_folder",
    "resources_on_server",
    "trend",
    "write_followups",
]
