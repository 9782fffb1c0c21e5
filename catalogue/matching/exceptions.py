"""Consent refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

from catalogue.matching.consent import consent_text
from shop.exceptions import BusinessRuleViolation, NotFound


class ConsentRequired(BusinessRuleViolation):
    """The customer has not given (or has withdrawn) the consent this needs; the detail names the purpose."""

    code = "consent_required"

    def __init__(self, *, purpose: str):
        version, _ = consent_text(purpose)
        super().__init__(
            f"This needs your consent to {purpose}. Read its text at /api/v1/me/consents/ and give it with "
            f'POST /api/v1/me/consents/ {{"purpose": "{purpose}", "version": {version}}}.',
            purpose=purpose,
        )
        self.purpose = purpose


class ConsentTextOutdated(BusinessRuleViolation):
    code = "consent_text_outdated"

    def __init__(self, *, purpose: str, version: int):
        current, _ = consent_text(purpose)
        super().__init__(
            f"Version {version} is not the current text of the {purpose} consent: read version {current} "
            "at /api/v1/me/consents/ and give your consent to it.",
            purpose=purpose,
            current_version=current,
        )


class ConsentPurposeNotFound(NotFound):
    code = "consent_purpose_not_found"
    default_detail = "There is no consent with this purpose."
