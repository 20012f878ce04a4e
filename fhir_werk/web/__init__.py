"""The web page of issue 12, served by ``fhir-werk serve`` under ``/``.

The page (sources in ``web/``, built by ``scripts/build-web`` into ``static/`` of this package)
prepares and holds the conversation about work with CSIRO's Smart Forms renderer on the service's
own Questionnaires, keeps drafts as ``in-progress`` responses, submits, and shows the resulting
*Werk* section, its delivery state and the scores across conversations. It talks to the service
only through its FHIR API (``/fhir``), so this package needs nothing from the service::

    from fhir_werk.web import mount_page

    mount_page(app, local=settings.local)   # GET /, /pagina.json, /assets/...
"""

from fhir_werk.web._mount import STATIC_DIR, mount_page

__all__ = ["STATIC_DIR", "mount_page"]
