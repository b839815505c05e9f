"""Extension points of the SOP lifecycle, as CKAN plugin interfaces.

``satudata_blitar`` implements :class:`ISatudataLifecycle` itself (complete SDI metadata and
passing data checks for ``submit``; a validation letter covering the dataset for
``validate``). Another plugin can add requirements by implementing it too: the lifecycle asks
every implementation and refuses the step when any answers with a problem.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p


class ISatudataLifecycle(p.Interface):
    """Requirements of lifecycle transitions."""

    def satudata_submit_problems(self, pkg: model.Package,
                                 pkg_dict: dict[str, Any]) -> list[dict[str, str]]:
        """What stops ``pkg`` from being submitted for review.

        :param pkg_dict: the dataset as ``package_show`` returns it
        :returns: ``{"field": ..., "message": ...}`` items; empty when nothing stops it
        """
        return []

    def satudata_letter_problems(self, pkg: model.Package, letter_ref: Optional[str],
                                 data: dict[str, Any]) -> list[str]:
        """What stops ``validate`` of ``pkg`` with the letter ``letter_ref``.

        An implementation may write the accepted letter's id to ``data["letter_ref"]`` so that
        the audit row names it.

        :returns: messages; empty when the letter is accepted
        """
        return []

    def satudata_after_transition(self, pkg: model.Package, transition: str,
                                  result: dict[str, Any], actor: Optional[model.User],
                                  details: dict[str, Any]) -> None:
        """``pkg`` has just moved along ``transition`` (``lifecycle.apply_transition``), in
        the transition's own transaction, before it commits: what is written here is kept or
        undone with the transition. Runs in a savepoint; an error is logged and undone, the
        transition stays. Work outside the database (mail) belongs after the commit.

        :param result: what ``apply_transition`` returns (states, role, timestamp)
        :param details: ``note``, ``reason``, ``reason_category``, ``letter_ref``
        """
