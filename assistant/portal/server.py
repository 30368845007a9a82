"""Run the portal with waitress (a production WSGI server): ``python -m assistant.portal.server``."""
from __future__ import annotations

import logging

from waitress import serve

from assistant.config import load_settings
from assistant.portal import create_app


def main() -> None:
    settings = load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # waitress logs no request lines by default: URLs can carry patient ids, so that stays off.
    serve(create_app(), host=settings.host, port=settings.portal_port, threads=8, ident="portal")


if __name__ == "__main__":
    main()
