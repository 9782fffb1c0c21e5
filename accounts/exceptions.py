"""Account refusals with stable codes; ``shop.api.exception_handler`` turns them into HTTP."""

from shop.exceptions import InvalidInput


class EmailTaken(InvalidInput):
    code = "email_taken"
    default_detail = "An account with this email address already exists."


class InvalidCredentials(InvalidInput):
    code = "invalid_credentials"
    default_detail = "The email address or the password is wrong."


class InvalidPassword(InvalidInput):
    code = "invalid_password"
